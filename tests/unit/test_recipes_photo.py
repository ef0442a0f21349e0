"""On real photographs the siamese families get lightly's CIFAR-10 recipe; elsewhere the lab's.

The shapes recipes keep the whole-wheel hue turn and AdamW (colour is the shortcut the lesson is
about); on RGB photographs without generative factors (here a small Keras-layout npz) the
contrastive, distillation and redundancy methods take lightly's SGD, its blur-free transforms
and its CIFAR-10 heads, from the CLI, from Python and from the Setup page alike.
"""

from __future__ import annotations

import pytest

from dashboard.setup_url import build_config, recipe_overrides
from sslcore.cli import build_parser
from sslcore.cli.train_cmd import config_from_args
from sslcore.config import RunConfig, replace
from sslcore.recipes import is_photographic, recipe_config


@pytest.fixture
def photos(tmp_path, write_photos) -> str:
    return write_photos(tmp_path / "photos.npz")


def test_photographs_are_rgb_data_without_generative_factors(photos) -> None:
    assert is_photographic(photos) and is_photographic("cifar10")
    assert not is_photographic("shapes")  # synthetic: colour is a factor
    assert not is_photographic("mnist") and not is_photographic("digits")  # grey
    assert not is_photographic("npz:/no/such/file.npz")  # still being typed: no guess


@pytest.mark.parametrize(
    ("name", "preset"), [("byol", "photo_byol"), ("dino", "photo_byol"), ("simclr", "photo")]
)
def test_siamese_recipes_on_photographs_follow_lightly(photos, name, preset) -> None:
    config = recipe_config(name, replace(RunConfig(), **{"data.dataset": photos}))
    assert config.augment.preset == preset
    assert config.augment.blur_prob == 0 and config.augment.hue_jitter == pytest.approx(0.1)
    assert (config.optim.optimizer, config.optim.lr) == ("sgd", pytest.approx(0.06))
    assert config.optim.weight_decay == pytest.approx(5e-4)
    on_shapes = recipe_config(name)
    assert on_shapes.augment.preset != preset and on_shapes.optim.optimizer == "adamw"


def test_dino_gets_lightlys_batch_norm_head_and_on_photographs_its_widths(photos) -> None:
    params = recipe_config("dino", replace(RunConfig(), **{"data.dataset": photos}))
    params = params.objective.method_config()
    assert (params.head_layers, params.head_batch_norm, params.out_dim) == (2, True, 2048)
    on_shapes = recipe_config("dino").objective.method_config()
    assert (on_shapes.head_batch_norm, on_shapes.out_dim) == (True, 1024)


def test_pixel_methods_keep_their_recipe_on_photographs(photos) -> None:
    config = recipe_config("rotation", replace(RunConfig(), **{"data.dataset": photos}))
    assert (config.augment.preset, config.optim.optimizer) == ("weak", "adamw")


def test_cli_and_setup_page_give_the_same_photo_recipe(photos) -> None:
    args = build_parser().parse_args(["train", "--objective", "byol", "--dataset", photos])
    from_cli = config_from_args(args)
    from_page = build_config(recipe_overrides("byol", keep={"data.dataset": photos}))
    assert from_cli == from_page == recipe_config("byol", from_cli)


def test_every_recipe_card_names_its_source_and_settings() -> None:
    from sslcore.objectives import OBJECTIVES
    from sslcore.recipes import recipe_cards

    for name, cls in OBJECTIVES.items():
        cards = recipe_cards(name)
        assert all(card.source and "augment.preset" in card.overrides for card in cards)
        if cls.modality == "image":
            assert cards[0].measured, f"{name}: the shapes recipe's figure is missing"
    byol_shapes, byol_photos = recipe_cards("byol")
    assert byol_shapes.overrides["augment.preset"] == "byol"
    assert byol_photos.data == "photographs" and "lightly" in byol_photos.source
    assert byol_photos.overrides["optim.optimizer"] == "sgd"
    assert len(recipe_cards("rotation")) == 1
