"""The two modalities' contract: what each says about inputs, backbones, protocols, snapshots."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from sslcore.backbones import BACKBONES
from sslcore.config import DataConfig
from sslcore.data.dataset import ImageDataset
from sslcore.data.modality import (
    IMAGE,
    TEXT,
    modality_called,
    modality_named,
    modality_of,
)
from sslcore.data.text_dataset import TextDataset
from sslcore.data.text_tokenizers import build_tokenizer
from sslcore.eval.features import extract_features
from sslcore.eval.run_eval import PROTOCOLS
from sslcore.objectives.base import Visual
from sslcore.objectives.text_parts import TokenVisual
from sslcore.recipes import recipe_config
from sslcore.run_card import build_card
from sslcore.store import RunStore

DOCUMENTS = ["the cat sat", "a dog ran far", "the dog sat", "a cat ran"]


def pictures(n: int = 4) -> ImageDataset:
    images = torch.arange(n * 3 * 4 * 4, dtype=torch.uint8).reshape(n, 3, 4, 4)
    return ImageDataset(name="shapes", images=images, labels=torch.arange(n) % 2)


def documents() -> TextDataset:
    tokenizer = build_tokenizer("words", DOCUMENTS)
    ids = tokenizer.encode_batch(DOCUMENTS, 5)  # (4, 5), PAD after the short ones
    return TextDataset(name="stdlib_docs", images=ids, texts=DOCUMENTS, tokenizer=tokenizer)


def test_chosen_once_from_the_dataset_its_name_or_its_recorded_name() -> None:
    assert modality_of(pictures()) is IMAGE and modality_of(documents()) is TEXT
    assert modality_named("shapes") is IMAGE and modality_named("folder:/x") is IMAGE
    assert modality_named("stdlib_docs") is TEXT and modality_named("text:/a.txt") is TEXT
    assert modality_called("text") is TEXT and modality_called("image") is IMAGE
    assert modality_called("") is IMAGE  # a run card from before the field existed
    assert modality_named(IMAGE.default_dataset) is IMAGE
    assert modality_named(TEXT.default_dataset) is TEXT


def test_every_backbone_reads_exactly_one_modality() -> None:
    for name in BACKBONES:
        assert IMAGE.accepts_backbone(name) != TEXT.accepts_backbone(name), name
    assert TEXT.accepts_backbone("text_transformer") and IMAGE.accepts_backbone("resnet18")


def test_protocols_split_between_the_modalities() -> None:
    assert set(IMAGE.protocols) | set(TEXT.protocols) == set(PROTOCOLS)
    assert "perplexity" in TEXT.protocols and "perplexity" not in IMAGE.protocols
    assert {"finetune", "probes"} <= set(IMAGE.protocols) - set(TEXT.protocols)
    assert {"knn", "linear", "collapse"} <= set(IMAGE.protocols) & set(TEXT.protocols)
    assert IMAGE.has_views and not TEXT.has_views


def test_encoder_input_scales_pixels_and_passes_ids_through() -> None:
    images = pictures().images
    x = IMAGE.encoder_input(images, "cpu")
    assert x.dtype == torch.float32 and torch.allclose(x * 255, images.float())
    views = torch.rand(2, 3, 4, 4)
    assert torch.equal(IMAGE.encoder_input(views, "cpu"), views)  # floats are already in [0, 1]
    ids = documents().images
    assert torch.equal(TEXT.encoder_input(ids, "cpu"), ids) and ids.dtype == torch.long


def test_each_modality_refuses_the_others_batch() -> None:
    IMAGE.check_inputs(pictures().images)
    TEXT.check_inputs(documents().images)
    with pytest.raises(ValueError, match="token ids"):
        TEXT.check_inputs(pictures().images)
    with pytest.raises(ValueError, match="images must be"):
        IMAGE.check_inputs(documents().images)
    with pytest.raises(ValueError, match="images must be"):
        extract_features(nn.Flatten(), documents().images)  # the default modality is IMAGE


def test_features_of_token_ids_go_through_the_text_modality() -> None:
    data = documents()
    table = nn.Embedding(data.channels, 3)  # channels: the vocabulary size

    def encode(ids: torch.Tensor) -> torch.Tensor:
        return table(ids).mean(dim=1)  # (B, L) -> (B, 3)

    features = extract_features(encode, data.images, batch_size=3, modality=TEXT)
    assert features.shape == (4, 3)
    assert torch.allclose(features, encode(data.images).detach())


def test_image_snapshots_are_pictures_and_views(tmp_path) -> None:
    store, data = RunStore(tmp_path), pictures()
    IMAGE.save_probe(store, data, np.arange(4))
    probe = np.load(tmp_path / "embeddings" / "probe_images.npz")
    assert probe["images"].shape == (4, 4, 4, 3) and "texts" not in probe
    IMAGE.save_visual(store, "recon", 3, Visual(data.images.float() / 255, ["a"] * 4), data)
    shown = store.load_snapshot("recon", 3)
    assert shown is not None and shown["images"].shape == (4, 4, 4, 3)
    assert np.array_equal(shown["images"], probe["images"])
    views = [torch.rand(4, 3, 4, 4) for _ in range(2)]
    IMAGE.save_views(store, 3, views, 2, data.images)
    assert store.load_snapshot("views", 3)["images"].shape == (8, 4, 4, 3)  # type: ignore[index]
    assert store.snapshot_steps("originals") == [3]


def test_text_snapshots_are_decoded_documents_and_no_views(tmp_path) -> None:
    store, data = RunStore(tmp_path), documents()
    TEXT.save_probe(store, data, np.arange(4))
    probe = np.load(tmp_path / "embeddings" / "probe_images.npz")
    assert probe["images"].shape[0] == 0 and list(probe["texts"]) == DOCUMENTS
    highlight = torch.zeros_like(data.images, dtype=torch.bool)
    highlight[0, 1] = True  # "cat" in "the cat sat"
    TEXT.save_visual(store, "guesses", 3, TokenVisual(data.images, ["a"] * 4, highlight), data)
    shown = store.load_snapshot("guesses", 3)
    assert shown is not None and shown["texts"][0] == "the ⟦cat⟧ sat"
    assert shown["texts"][1] == "a dog ran far"
    TEXT.save_views(store, 3, [data.images, data.images], 2, None)
    assert store.snapshot_steps("views") == []
    with pytest.raises(ValueError, match="tokenizer"):
        TEXT.save_visual(store, "guesses", 4, TokenVisual(data.images, None), pictures())


def test_the_run_card_describes_an_input_by_its_modality() -> None:
    data = DataConfig(dataset="stdlib_docs", tokenizer="words", context_length=32)
    assert TEXT.card_shape(data, 3) == {
        "tokenizer": "words", "context_length": 32, "channels": None, "image_size": None,
    }  # fmt: skip
    image = IMAGE.card_shape(DataConfig(dataset="shapes", image_size=32), 3)
    assert image == {"channels": 3, "image_size": 32, "tokenizer": None, "context_length": None}


def test_a_run_card_names_its_inputs_by_its_modality() -> None:
    assert build_card(recipe_config("mlm")).examples == "documents"
    assert build_card(recipe_config("simclr")).examples == "images"
