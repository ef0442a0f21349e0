"""On real photographs the siamese families get lightly's CIFAR-10 recipe; elsewhere the lab's.

The shapes recipes keep the whole-wheel hue turn and AdamW (colour is the shortcut the lesson is
about); on RGB photographs without generative factors (here a small Keras-layout npz) the
contrastive, distillation and redundancy methods take lightly's SGD, its blur-free transforms
and its CIFAR-10 heads, from the CLI, from Python and from the Setup page alike.
"""

from __future__ import annotations

import pytest
import torch
from lightly.loss import NegativeCosineSimilarity

from dashboard.setup_url import build_config, recipe_overrides
from sslcore.cli import build_parser
from sslcore.cli.train_cmd import config_from_args
from sslcore.config import RunConfig, replace
from sslcore.objectives.byol import byol_loss
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
    assert config.optim.optimizer == "sgd"
    if name != "byol":  # BYOL's loss has another scale: see the next test
        assert config.optim.lr == pytest.approx(0.06)
        assert config.optim.weight_decay == pytest.approx(5e-4)
    on_shapes = recipe_config(name)
    assert on_shapes.augment.preset != preset and on_shapes.optim.optimizer == "adamw"


def test_byols_photo_recipe_takes_lightlys_sgd_steps(photos) -> None:
    """2 − 2·sim has twice the gradient of lightly's −sim: the recipe's SGD moves the same."""
    config = recipe_config("byol", replace(RunConfig(), **{"data.dataset": photos})).optim
    generator = torch.Generator().manual_seed(0)
    start = torch.randn(4, 8, 16, generator=generator)  # p1, p2, z1, z2 of 8 rows
    cosine = NegativeCosineSimilarity()
    moved = []
    for lr, decay, loss_of in (
        (config.lr, config.weight_decay, lambda p1, p2, z1, z2: byol_loss(p1, p2, z1, z2)[0]),
        (0.06, 5e-4, lambda p1, p2, z1, z2: 0.5 * (cosine(p1, z2) + cosine(p2, z1))),
    ):
        weights = start.clone().requires_grad_(True)
        sgd = torch.optim.SGD([weights], lr=lr, momentum=config.momentum, weight_decay=decay)
        for _ in range(3):
            sgd.zero_grad()
            p1, p2, z1, z2 = weights
            loss_of(p1, p2, z1.detach(), z2.detach()).backward()
            sgd.step()
        moved.append(weights.detach())
    torch.testing.assert_close(moved[0], moved[1], rtol=1e-5, atol=1e-6)
    assert not torch.equal(moved[0], start)
    byol = recipe_config("byol", replace(RunConfig(), **{"data.dataset": photos}))
    byol_params = byol.objective.method_config()
    assert byol_params.momentum_end == byol_params.momentum  # lightly's constant EMA


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
