"""The pieces of the text objectives, and a tiny text run through the trainer and the monitor."""

from __future__ import annotations

import math

import pytest
import torch

from sslcore.backbones.text_transformer import TextTransformer
from sslcore.config import replace
from sslcore.data.text_tokenizers import MASK, PAD
from sslcore.eval.perplexity import held_out_perplexity
from sslcore.objectives.mlm import MLM, mask_tokens
from sslcore.objectives.next_token import NextToken, next_token_loss
from sslcore.objectives.simclr import SimCLR
from sslcore.objectives.simcse import SimCSE, simcse_loss
from sslcore.recipes import recipe_config
from sslcore.train import Trainer

VOCAB, LENGTH = 30, 12


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


def small_text_model(cls):
    torch.manual_seed(0)
    backbone = TextTransformer(VOCAB, LENGTH, dim=32, depth=1, heads=2)
    return cls(backbone, cls.Config(), None)


def test_masking_chooses_real_tokens_only_and_at_least_one_per_sentence() -> None:
    ids = torch.randint(3, VOCAB, (200, LENGTH))
    ids[:, 8:] = PAD
    corrupted, chosen = mask_tokens(ids, 0.25, VOCAB, torch.Generator().manual_seed(0))
    assert not chosen[:, 8:].any() and chosen.any(dim=1).all()
    assert 0.2 < chosen[:, :8].float().mean() < 0.32
    hidden = (corrupted == MASK)[chosen].float().mean()
    assert 0.7 < hidden < 0.9  # BERT's 80 / 10 / 10
    assert torch.equal(corrupted[~chosen], ids[~chosen])


def test_next_token_loss_ignores_padding_and_a_uniform_model_has_the_vocabulary_as_perplexity():
    ids = torch.randint(3, VOCAB, (4, LENGTH))
    ids[:, 6:] = PAD
    loss, parts = next_token_loss(torch.zeros(4, LENGTH, VOCAB), ids)
    assert math.isclose(float(parts["perplexity"]), VOCAB, rel_tol=1e-5)
    assert math.isclose(float(loss), math.log(VOCAB), rel_tol=1e-5)


def test_simcse_loss_is_low_when_each_sentence_finds_its_own_view() -> None:
    z = torch.nn.functional.normalize(torch.randn(16, 8), dim=1)
    matched, parts = simcse_loss(z, z, 0.05)
    shuffled, _ = simcse_loss(z, z.roll(1, dims=0), 0.05)
    assert float(matched) < float(shuffled) and float(parts["accuracy"]) == 1.0


def test_an_image_objective_refuses_the_text_backbone_and_back() -> None:
    with pytest.raises(ValueError, match="needs the text_transformer backbone"):
        MLM(torch.nn.Identity(), MLM.Config(), None)  # type: ignore[arg-type]
    assert SimCLR.compatible_backbones is None  # images: checked by the config instead


def test_sampling_continues_the_prompt_without_special_tokens() -> None:
    model = small_text_model(NextToken).eval()
    prompt = torch.randint(3, VOCAB, (3, 4))
    written = model.sample(prompt, LENGTH, 1.0, torch.Generator().manual_seed(0))
    assert written.shape == (3, LENGTH) and torch.equal(written[:, :4], prompt)
    assert (written >= 3).all()
    visual = model.visuals(torch.randint(3, VOCAB, (2, LENGTH)))["samples"]
    assert visual.highlight is not None and visual.highlight[:, -1].all()


def test_perplexity_of_an_untrained_model_is_near_the_vocabulary_and_repeatable() -> None:
    model = small_text_model(MLM)
    ids = torch.randint(3, VOCAB, (16, LENGTH))
    first, second = held_out_perplexity(model, ids), held_out_perplexity(model, ids)
    assert first == second and VOCAB / 3 < first < VOCAB * 3
    assert model.training  # eval mode only for the measurement
    with pytest.raises(ValueError, match="language model"):
        held_out_perplexity(small_text_model(SimCSE), ids)


def test_a_text_run_records_texts_perplexity_and_knn(tmp_path, new_store) -> None:
    config = replace(
        recipe_config("mlm"),
        **{
            "data.context_length": 16,
            "backbone.vit_dim": 32,
            "backbone.vit_heads": 2,
            "backbone.vit_depth": 1,
            "optim.batch_size": 16,
            "optim.steps": 4,
            "monitor.eval_every": 4,
            "monitor.log_every": 2,
            "monitor.probe_size": 32,
            "num_threads": 1,
        },
    )
    store = new_store(tmp_path, config)
    assert Trainer(config, store).run()["state"] == "finished"
    guesses = store.load_snapshot("guesses")
    assert guesses is not None and len(guesses["texts"]) == 3 * 8
    assert "▢" in guesses["texts"][0] and "⟦" in guesses["texts"][1]
    assert store.snapshot_names() == ["guesses"]  # no image views for text
    embeddings = store.load_embeddings()
    assert embeddings is not None and len(embeddings["texts"]) == len(embeddings["features"])
    figures = [m for m in store.metrics() if "knn_accuracy" in m]
    assert figures and all(m["perplexity"] > 1 for m in figures)
