"""The run card: written at a run's start, read back typed and checked, rebuilt for older runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sslcore import api
from sslcore.config import RunConfig
from sslcore.data.shapes import COLOUR_NAMES, SHAPE_NAMES, colour_swatches
from sslcore.lifecycle import create_run
from sslcore.method_card import method_card, papers
from sslcore.objectives import OBJECTIVES
from sslcore.run_card import CARD_FILE, build_card, card_from_dict, read_card
from sslcore.store import RunStore


def test_the_default_runs_card_says_what_the_run_is() -> None:
    card = build_card(RunConfig())
    assert (card.modality, card.n_views) == ("image", 2)
    assert (card.data.dataset, card.data.channels, card.data.image_size) == ("shapes", 3, 32)
    assert card.data.classes == tuple(SHAPE_NAMES)
    colour = card.factor("colour")
    assert colour is not None and colour.kind == "categorical"
    assert colour.values == tuple(COLOUR_NAMES) and colour.colours == tuple(colour_swatches())
    size = card.factor("size")
    assert size is not None and (size.kind, size.values) == ("continuous", ())
    assert card.method.name == "simclr" and card.method.family == "contrastive"
    assert card.method.formula == OBJECTIVES["simclr"].formula
    assert card.method.papers == ("SimCLR, 2020, https://arxiv.org/abs/2002.05709",)
    assert card.recipe.data.startswith("shapes") and card.recipe.overrides
    assert card.backbone.name == "convnet" and card.backbone.parameters > 10_000


def test_a_text_run_keeps_its_tokenizer_and_no_image_spec() -> None:
    card = build_card(api.build_config(objective="mlm"))
    assert (card.modality, card.data.dataset) == ("text", "stdlib_docs")
    assert card.data.tokenizer and card.data.context_length
    assert (card.data.channels, card.data.image_size, card.backbone.parameters) == (None,) * 3
    assert card.data.classes  # the standard-library modules the documents come from


def test_photographs_get_the_photo_recipe() -> None:
    card = build_card(api.build_config(objective="byol", dataset="cifar10"))
    assert card.recipe.data == "photographs" and "cat" in card.data.classes


def test_the_card_survives_json_and_every_field_is_checked() -> None:
    card = build_card(RunConfig())
    raw = json.loads(json.dumps(card.to_dict()))
    assert card_from_dict(raw) == card
    del raw["data"]["classes"]
    with pytest.raises(ValueError, match="data.classes is missing"):
        card_from_dict(raw)
    raw = card.to_dict()
    raw["n_views"] = "2"
    with pytest.raises(ValueError, match="n_views has the wrong type"):
        card_from_dict(raw)
    raw = card.to_dict()
    raw["data"]["factors"][1]["values"] = [1, 2]
    with pytest.raises(ValueError, match=r"data.factors\[1\].values must be a list of strings"):
        card_from_dict(raw)
    with pytest.raises(ValueError, match="newer than this lab"):
        card_from_dict(card.to_dict() | {"version": 99})


def test_create_run_writes_the_card_and_an_older_run_gets_it_rebuilt(tmp_path: Path) -> None:
    writer = create_run(tmp_path, RunConfig())
    writer.close()
    store = writer.store
    written = json.loads((store.path / CARD_FILE).read_text())
    assert written["data"]["classes"] == list(SHAPE_NAMES)
    assert read_card(store) == build_card(RunConfig())
    assert api.class_names(store.path) == list(SHAPE_NAMES)
    assert api.load_run(store.path).card.method.title == "SimCLR"
    (store.path / CARD_FILE).unlink()  # a run from before cards
    assert read_card(RunStore(store.path)) == build_card(RunConfig())
    assert not (store.path / CARD_FILE).exists()  # a reader writes nothing into the run


def test_value_names_are_the_labels_and_the_categorical_factors() -> None:
    names = api.value_names(build_card(RunConfig()))
    assert names == {"label": SHAPE_NAMES, "shape": SHAPE_NAMES, "colour": COLOUR_NAMES}


def test_references_on_several_lines_are_one_line_each() -> None:
    for name in api.method_names():  # every method cites its papers, each on one line
        cited = method_card(name).papers
        assert cited and all("http" in p and "\n" not in p and "  " not in p for p in cited), name
    doc = "Idea.\n\nReferences:\n    [0] A, B,\n        2020, x\n    [1] C, 2021, y\n\nMore."
    assert papers(doc) == ("A, B, 2020, x", "C, 2021, y")
    assert papers("No references.") == ()
