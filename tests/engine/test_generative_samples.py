"""The generative objectives draw new images: the PixelCNN from an empty canvas, the VQ-VAE from
a prior over its code grids.

Each test trains on minibatches of ``shapes`` for a short while (seconds on one core) and reads
the learnt models on held-out shapes. Measured here (nats; 150 steps of 32, held-out shapes):
the PixelCNN's NLL under the null condition 2.08 → 1.11 (log 8 = 2.08 at the start; 1.35 when
trained without condition dropout, the null never seen), with h 2.08 → 0.77 (0.81 without
dropout); the VQ-VAE prior 4.91 → 1.92 (log K = 4.85).
"""

from __future__ import annotations

import math
from typing import TypeVar

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.backbones import build_backbone
from sslcore.config import BackboneConfig, ConfigError, DataConfig, replace
from sslcore.data import load_dataset
from sslcore.objectives.autoregressive import Autoregressive, drop_conditions, quantize_pixels
from sslcore.objectives.base import ImageSpec, Objective
from sslcore.objectives.vqvae import VQVAE, quantize
from sslcore.recipes import recipe_config

STEPS = 120
O = TypeVar("O", bound=Objective)


def shapes(size: int, split: str) -> Tensor:
    """``shapes`` images at ``size`` pixels, floats in [0, 1]: 2,000 to train on, 64 held out."""
    data = load_dataset(DataConfig(image_size=size, train_size=2000, test_size=64), split)
    return data.images.float() / 255


def trained(cls: type[O], size: int, steps: int = STEPS, **params: object) -> O:
    """``cls`` on a small convnet, before (steps=0) or after ``steps`` AdamW steps on random
    minibatches of 32 training shapes; in eval mode."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    backbone = build_backbone(BackboneConfig(name="convnet", width=8), 3, size)
    objective = cls(backbone, cls.Config(**params), ImageSpec(channels=3, size=size))
    images, draws = shapes(size, "train"), torch.Generator().manual_seed(0)
    optimizer = torch.optim.AdamW(objective.parameters(), lr=2e-3)
    objective.train()
    for step in range(steps):
        batch = images[torch.randint(len(images), (32,), generator=draws)]
        loss = objective([batch]).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        objective.after_step((step + 1) / steps)
    return objective.eval()


@torch.no_grad()
def pixel_nlls(objective: Autoregressive, x: Tensor) -> tuple[float, float]:
    """The PixelCNN's NLL (nats per dimension) on ``x`` given each image's h, and given none
    (the null condition)."""
    q = quantize_pixels(x, objective.config.levels, objective.resolution)
    h = objective.backbone(x)
    null = objective.null_condition.expand_as(h)
    given_h = F.cross_entropy(objective.pixelcnn(q, h), q)
    return float(given_h), float(F.cross_entropy(objective.pixelcnn(q, null), q))


@torch.no_grad()
def prior_nll(objective: VQVAE, x: Tensor) -> float:
    """The code prior's NLL (nats per grid position) on the code grids of ``x``."""
    _, z_e = objective._code_vectors(x)
    _, codes = quantize(z_e, objective.codebook)
    return float(objective.prior.nll(codes.view(len(x), objective.grid, objective.grid)))


def assert_varied_images(images: Tensor, shape: tuple[int, ...]) -> None:
    assert images.shape == shape
    assert 0.0 <= float(images.min()) and float(images.max()) <= 1.0
    assert images.flatten(1).std(1).min() > 0.01, "a sample of one colour"
    assert (images[1:] - images[0]).abs().amax() > 0.1, "every sample the same"


def test_the_pixelcnn_learns_to_draw_from_an_empty_canvas() -> None:
    held_out = shapes(16, "test")
    start = pixel_nlls(trained(Autoregressive, 16, steps=0, resolution=8, hidden=32), held_out)
    objective = trained(Autoregressive, 16, resolution=8, hidden=32)
    given_h, unconditional = pixel_nlls(objective, held_out)
    assert start[1] == pytest.approx(math.log(8), abs=0.05)  # uniform over 8 levels
    assert unconditional < 0.7 * start[1], (start, unconditional)
    assert given_h < unconditional - 0.1, "h tells the PixelCNN nothing the null does not"
    visuals = objective.visuals(held_out[:8])
    drawn = visuals["unconditional"].images
    assert_varied_images(drawn, (6, 3, 8, 8))
    torch.testing.assert_close(drawn * 7, (drawn * 7).round())  # on the 8-level grid
    assert "empty canvas" in (visuals["unconditional"].captions or [""])[0]


@pytest.mark.slow
def test_condition_dropout_keeps_the_conditional_model_and_trains_the_null() -> None:
    held_out = shapes(16, "test")
    with_dropout = pixel_nlls(trained(Autoregressive, 16, resolution=8, hidden=32), held_out)
    without = trained(Autoregressive, 16, resolution=8, hidden=32, uncond_prob=0.0)
    without_dropout = pixel_nlls(without, held_out)
    assert with_dropout[0] < 1.1 * without_dropout[0], (with_dropout, without_dropout)
    assert with_dropout[1] < without_dropout[1] - 0.1, "the null condition was not trained"


def test_condition_dropout_replaces_the_chosen_share_of_rows() -> None:
    h, null = torch.randn(4000, 5), torch.full((5,), 7.0)
    dropped = (drop_conditions(h, null, 0.1, torch.Generator().manual_seed(0)) == 7.0).all(1)
    assert 0.08 < float(dropped.float().mean()) < 0.12
    assert torch.equal(drop_conditions(h, null, 0.0, torch.Generator()), h)


@pytest.mark.slow
def test_the_vqvae_prior_learns_the_code_grids_and_its_samples_decode() -> None:
    held_out = shapes(32, "test")
    start = prior_nll(trained(VQVAE, 32, steps=0), held_out)
    objective = trained(VQVAE, 32)
    end = prior_nll(objective, held_out)
    log_k = math.log(objective.config.codebook_size)
    assert start == pytest.approx(log_k, abs=0.3)  # the untrained prior knows nothing
    assert end < 0.6 * start and end < log_k - 1.5, (start, end)
    samples = objective.visuals(held_out[:8])["samples"]
    assert_varied_images(samples.images, (8, 3, 32, 32))
    assert "drawn from the prior" in (samples.captions or [""])[0]


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("autoregressive", "uncond_prob", 1.0),
        ("autoregressive", "uncond_prob", -0.1),
        ("vqvae", "prior_layers", 0),
        ("vqvae", "prior_width", 4),
        ("vqvae", "samples", 0),
    ],
)
def test_the_new_fields_are_validated(name: str, field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=f"objective.params.{field}"):
        replace(recipe_config(name), **{f"objective.params.{field}": value})


def test_valid_values_of_the_new_fields_pass() -> None:
    assert Autoregressive.Config().uncond_prob == pytest.approx(0.1)
    config = replace(recipe_config("vqvae"), **{"objective.params.prior_layers": 2})
    assert config.objective.params["prior_layers"] == 2
