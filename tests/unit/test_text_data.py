"""Text data: tokenizers, the stdlib_docs corpus, text:<path>, and how a text run is configured."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from sslcore.augment import build_augmenter, preset
from sslcore.config import ConfigError, DataConfig, replace
from sslcore.data import dataset_info, load_dataset
from sslcore.data.modality import TEXT, modality_of
from sslcore.data.roots import ROOTS_ENV
from sslcore.data.text_bpe import apply_merges, learn_merges
from sslcore.data.text_dataset import TextDataset
from sslcore.data.text_files import load_text_path
from sslcore.data.text_stdlib_docs import load_stdlib_docs
from sslcore.data.text_tokenizers import PAD, UNK, build_tokenizer
from sslcore.recipes import recipe_config

TEXTS = ["the cat sat on the mat.", "the dog sat on the log!", "a cat and a dog met."]


def test_characters_round_trip_and_pad() -> None:
    tok = build_tokenizer("chars", TEXTS)
    ids = tok.encode_batch(TEXTS, 30)
    assert ids.shape == (3, 30) and ids.dtype == torch.long
    assert tok.decode(ids[0].tolist()) == TEXTS[0]
    assert (ids[0, len(TEXTS[0]) :] == PAD).all()
    assert tok.encode("z")[0] == UNK  # unseen character


def test_words_cut_to_the_vocabulary() -> None:
    tok = build_tokenizer("words", TEXTS)
    assert tok.split("the cat, the end") == ["the", "cat", ",", "the", "end"]
    assert tok.encode("end") == [UNK]
    assert tok.decode(tok.encode(TEXTS[1])) == "the dog sat on the log!"
    assert tok.decode_marked(tok.encode("the cat sat"), [False, True, True]) == "the ⟦cat sat⟧"


def test_bpe_merges_frequent_pairs_into_pieces() -> None:
    merges = learn_merges({"lower": 5, "lowest": 3, "newer": 6}, 10)
    assert merges[0] == ("##w", "##e")  # 5 + 3 + 6 = 14 times, the most frequent pair
    assert apply_merges("lower", merges) == ["lower"]  # a frequent word becomes one piece
    pieces = apply_merges("slower", merges)
    assert "".join(p.removeprefix("##") for p in pieces) == "slower" and len(pieces) > 1
    tok = build_tokenizer("bpe", TEXTS * 3)
    assert tok.decode(tok.encode(TEXTS[2])) == "a cat and a dog met."


def test_unknown_tokenizer_is_refused() -> None:
    with pytest.raises(ValueError, match="tokenizer 'bytes'"):
        build_tokenizer("bytes", TEXTS)
    with pytest.raises(ConfigError, match="data.tokenizer"):
        DataConfig(dataset="stdlib_docs", tokenizer="bytes")


def test_stdlib_docs_are_prose_labelled_by_module() -> None:
    texts, labels, names = load_stdlib_docs(("json", "logging", "no_such_module"), per_module=20)
    assert names == ["json", "logging"]
    assert len(texts) == len(labels) and set(labels) == {0, 1}
    assert all(len(t) >= 40 and ">>>" not in t for t in texts)


def test_text_file_and_folder(tmp_path) -> None:
    file = tmp_path / "lines.txt"
    file.write_text("first line\n\n  second   line \nthird\n")
    texts, labels, names = load_text_path(str(file))
    assert texts == ["first line", "second line", "third"] and labels is None
    for label, words in (("good", "fine nice"), ("bad", "awful poor")):
        (tmp_path / "docs" / label).mkdir(parents=True)
        for i, word in enumerate(words.split()):
            (tmp_path / "docs" / label / f"{i}.txt").write_text(f"a {word}\ndocument")
    texts, labels, names = load_text_path(str(tmp_path / "docs"))
    assert names == ["bad", "good"] and labels == [0, 0, 1, 1]
    assert texts[0] == "a awful document"
    with pytest.raises(FileNotFoundError, match="text:"):
        load_text_path(str(tmp_path / "missing"))


def test_load_dataset_gives_token_ids_with_one_tokenizer(tmp_path) -> None:
    file = tmp_path / "corpus.txt"
    file.write_text("\n".join(f"sentence number {i} about cats" for i in range(40)))
    config = DataConfig(dataset=f"text:{file}", context_length=16, tokenizer="words")
    train, test = load_dataset(config, "train"), load_dataset(config, "test")
    assert isinstance(train, TextDataset) and modality_of(train) is TEXT
    assert train.images.shape == (32, 16) and test.images.shape == (8, 16)
    assert train.tokenizer is test.tokenizer and train.channels == train.tokenizer.vocab_size
    assert train.size == 16 and train.labels is None
    part = train.subset(torch.tensor([3, 1]))
    assert part.texts == [train.texts[3], train.texts[1]]
    assert torch.equal(part.tokens, train.images[[3, 1]])
    assert dataset_info(f"text:{file}").name == f"text:{file}"


def test_text_views_without_a_crop_are_the_tokens_themselves() -> None:
    ids = torch.randint(3, 50, (4, 12))
    views = build_augmenter(preset("none"))(ids, 2, torch.Generator().manual_seed(0))
    assert len(views) == 2 and all(v is ids for v in views)


def test_a_text_crop_keeps_a_contiguous_span_of_the_real_tokens() -> None:
    ids = torch.randint(3, 50, (64, 20))
    ids[::2, 10:] = PAD  # every other document is 10 tokens long
    config = dataclasses.replace(preset("none"), crop_scale_min=0.4, crop_scale_max=0.6)
    first, second = build_augmenter(config)(ids, 2, torch.Generator().manual_seed(0))
    assert not torch.equal(first, second)  # each view draws its own spans
    for view in (first, second):
        for row, original in zip(view.tolist(), ids.tolist(), strict=True):
            real = [t for t in original if t != PAD]
            span = [t for t in row if t != PAD]
            assert row[len(span) :] == [PAD] * (len(row) - len(span))  # padding after the span
            assert round(0.4 * len(real)) <= len(span) <= round(0.6 * len(real))
            starts = [i for i in range(len(real)) if real[i : i + len(span)] == span]
            assert starts, (span, real)  # a contiguous piece of the document
    again = build_augmenter(config)(ids, 2, torch.Generator().manual_seed(0))
    assert torch.equal(again[0], first)  # the generator decides the spans


def test_text_and_images_do_not_mix() -> None:
    text = recipe_config("mlm")
    assert text.data.dataset == "stdlib_docs" and text.backbone.name == "text_transformer"
    with pytest.raises(ConfigError, match="data.dataset: mlm works on documents"):
        replace(text, **{"data.dataset": "shapes"})
    with pytest.raises(
        ConfigError, match="simclr works on images, but 'stdlib_docs' holds documents"
    ):
        replace(recipe_config("simclr"), **{"data.dataset": "stdlib_docs"})
    with pytest.raises(ConfigError, match="backbone.name"):
        replace(recipe_config("simclr"), **{"backbone.name": "text_transformer"})
    assert recipe_config("simclr", text).data.dataset == "shapes"  # switching back to images


def test_text_paths_outside_the_allowed_roots_are_refused(tmp_path, monkeypatch) -> None:
    root, secret = tmp_path / "class-data", tmp_path / "secret"
    (root / "notes" / "mine").mkdir(parents=True)
    (root / "notes" / "theirs").mkdir(parents=True)
    secret.mkdir()
    (secret / "diary.txt").write_text("a secret line\nanother secret line\n")
    (root / "notes" / "mine" / "a.txt").write_text("my own first note")
    (root / "notes" / "theirs" / "b.txt").write_text("a shared second note")
    (root / "notes" / "theirs" / "c.txt").symlink_to(secret / "diary.txt")
    (root / "link-to-secret").symlink_to(secret)
    monkeypatch.setenv(ROOTS_ENV, str(root))
    texts, labels, names = load_text_path(str(root / "notes"))
    assert texts == ["my own first note", "a shared second note"]  # the link is left out
    assert names == ["mine", "theirs"]
    for outside in (secret / "diary.txt", root / ".." / "secret", root / "link-to-secret", "/etc"):
        with pytest.raises(PermissionError, match="outside the folders this server may read"):
            load_text_path(str(outside))
    monkeypatch.setenv(ROOTS_ENV, "")
    with pytest.raises(PermissionError, match="reads no folders of your own"):
        load_text_path(str(root / "notes"))
