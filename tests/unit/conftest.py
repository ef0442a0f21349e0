"""Small builders for the tests of the predictive and generative objectives.

``build(MAE, mask_ratio=0.75)`` is the objective on a small seeded backbone, ``shapes_batch()``
the first training shapes, ``loss_drops(objective, x, steps)`` the classic "overfit one batch"
check. Each fixture returns its function; ``small_vit`` is a one-block ViT for ``build``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import Tensor

from sslcore.backbones import build_backbone
from sslcore.config import BackboneConfig, DataConfig
from sslcore.data import load_dataset
from sslcore.objectives.base import ImageSpec, Objective

SMALL_CONVNET = BackboneConfig(name="convnet", width=8)
SMALL_VIT = BackboneConfig(name="vit_tiny", vit_depth=1, vit_dim=32, vit_heads=2)


def shapes_batch(n: int = 32, size: int = 16) -> Tensor:
    """The first ``n`` training shapes at ``size`` pixels, floats in [0, 1]."""
    data = load_dataset(DataConfig(image_size=size, train_size=max(n, 64), test_size=64), "train")
    return data.images[:n].float() / 255.0


def build(
    cls: type[Objective],
    size: int = 16,
    channels: int = 3,
    backbone: BackboneConfig = SMALL_CONVNET,
    **params: Any,
) -> Objective:
    """``cls`` with a small, seeded backbone and its Config changed by ``params``."""
    torch.set_num_threads(1)  # the tests share two cores with everything else
    torch.manual_seed(0)
    image = ImageSpec(channels=channels, size=size)
    return cls(build_backbone(backbone, channels, size), cls.Config(**params), image)


def fixed_loss(objective: Objective, x: Tensor) -> float:
    """The loss on ``x`` with the objective's randomness reset, so two calls are comparable."""
    objective.generator.manual_seed(123)
    with torch.no_grad():
        return float(objective([x]).loss)


def train_steps(objective: Objective, x: Tensor, steps: int, lr: float = 3e-3) -> None:
    """A few AdamW steps on the fixed batch ``x`` with the same pretext draws every step.

    Masks, permutations and noise are redrawn from the same seed each step, so this is the
    classic "overfit one batch" check: the targets are fixed and the loss must fall.
    """
    objective.train()
    optimizer = torch.optim.AdamW(objective.parameters(), lr=lr)
    for step in range(steps):
        objective.generator.manual_seed(123)
        loss = objective([x]).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        objective.after_step((step + 1) / steps)


def loss_drops(
    objective: Objective, x: Tensor, steps: int, lr: float = 3e-3
) -> tuple[float, float]:
    """(loss before, loss after) ``steps`` steps on ``x``, both under the same random draws."""
    torch.set_num_threads(1)
    objective.train()
    before = fixed_loss(objective, x)
    train_steps(objective, x, steps, lr)
    return before, fixed_loss(objective, x)


@pytest.fixture(name="shapes_batch", scope="session")
def shapes_batch_fixture() -> Callable[..., Tensor]:
    """``shapes_batch(n=32, size=16)``: the first training shapes, floats in [0, 1]."""
    return shapes_batch


@pytest.fixture(name="build", scope="session")
def build_fixture() -> Callable[..., Objective]:
    """``build(cls, size=16, channels=3, backbone=small convnet, **config)``: a seeded objective."""
    return build


@pytest.fixture(name="loss_drops", scope="session")
def loss_drops_fixture() -> Callable[..., tuple[float, float]]:
    """``loss_drops(objective, x, steps, lr=3e-3)``: (loss before, loss after) on one batch."""
    return loss_drops


@pytest.fixture(scope="session")
def small_vit() -> BackboneConfig:
    """A one-block ViT (width 32, two heads): a fast backbone for the masked-image methods."""
    return SMALL_VIT
