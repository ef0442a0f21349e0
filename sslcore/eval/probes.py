"""Factor probes: which generative factors does a representation keep, and which does it drop?

For a dataset whose images record their factors (``shapes``: shape, colour, hue, size, x, y,
angle, background), one linear probe per factor reads it off frozen features: accuracy for a
categorical factor (against chance, the share of its most common value), R² for a continuous
one (0: no better than predicting the mean; 1: read off exactly). This answers "what did the
augmentations teach the model to ignore?": with colour jitter the colour probe falls towards
chance, without it it rises.

Circular factors wrap around, so they are probed through (cos, sin) of their phase and the R²
is taken over both columns: ``hue`` has period 1, ``angle`` (degrees) period 360°. A shape with
n-fold rotational symmetry looks the same every 360°/n, so its angle is only defined modulo that;
its phase is n·angle (a square at 0° and at 90° get the same target), and circles, whose angle
is invisible, are left out of the angle probe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from sslcore.data.dataset import ImageDataset
from sslcore.eval.linear_probe import linear_probe, standardisation

RIDGE_ALPHA = 1e-3
# Period of each circular factor in its own unit.
CIRCULAR_PERIODS = {"hue": 1.0, "angle": 360.0}
# Rotational symmetry order of each shape of the shapes dataset (0: any rotation looks the same).
ROTATIONAL_SYMMETRY = {"circle": 0, "square": 4, "triangle": 3, "star": 5, "cross": 4,
                       "hexagon": 6}  # fmt: skip


@dataclass(frozen=True)
class FactorScore:
    """How well a linear probe reads one factor off the features.

    Attributes:
        factor: the factor's name.
        kind: ``categorical`` or ``continuous``.
        metric: ``accuracy`` (categorical) or ``r2`` (continuous).
        score: test accuracy in [0, 1], or test R² (at most 1; negative is worse than the mean).
        chance: what knowing nothing scores: the most common value's share, or 0 for R².
    """

    factor: str
    kind: str
    metric: str
    score: float
    chance: float


def ridge_r2(
    train_x: Tensor, train_y: Tensor, test_x: Tensor, test_y: Tensor, alpha: float = RIDGE_ALPHA
) -> float:
    """Test R² of a ridge regression from standardised features to (N,) or (N, t) targets.

    Solves (XᵀX/N + αI) w = Xᵀ(y − ȳ)/N in closed form; with t targets the R² pools their
    residual and total sums of squares.
    """
    if train_y.dim() == 1:
        train_y, test_y = train_y[:, None], test_y[:, None]
    mean, std = standardisation(train_x)
    x = (train_x.double() - mean.double()) / std.double()
    y_mean = train_y.double().mean(dim=0)
    gram = x.T @ x / x.shape[0] + alpha * torch.eye(x.shape[1], dtype=torch.float64)
    weights = torch.linalg.solve(gram, x.T @ (train_y.double() - y_mean) / x.shape[0])
    predicted = ((test_x.double() - mean.double()) / std.double()) @ weights + y_mean
    residual = (test_y.double() - predicted).pow(2).sum()
    total = (test_y.double() - test_y.double().mean(dim=0)).pow(2).sum()
    if total == 0:
        raise ValueError("the test targets are constant: R² is undefined")
    return float(1 - residual / total)


def circular_targets(values: Tensor, period: float, symmetry: Tensor | None = None) -> Tensor:
    """(N, 2) cos and sin of the phase 2π·n·value/period (n: the symmetry order, default 1)."""
    phase = 2 * math.pi * values.double() / period
    if symmetry is not None:
        phase = phase * symmetry.double()
    return torch.stack([phase.cos(), phase.sin()], dim=1)


def _symmetry(dataset: ImageDataset) -> Tensor | None:
    """Each image's rotational symmetry order, when its shape's name is known."""
    names = dataset.factor_classes.get("shape", [])
    if "shape" not in dataset.factors or not set(names) <= set(ROTATIONAL_SYMMETRY):
        return None
    orders = torch.tensor([ROTATIONAL_SYMMETRY[name] for name in names])
    return orders[dataset.factors["shape"]]


def _continuous_score(
    name: str, train_x: Tensor, train: ImageDataset, test_x: Tensor, test: ImageDataset
) -> float:
    train_y, test_y = train.factors[name], test.factors[name]
    if name not in CIRCULAR_PERIODS:
        return ridge_r2(train_x, train_y, test_x, test_y)
    train_n = test_n = None
    if name == "angle":
        train_n, test_n = _symmetry(train), _symmetry(test)
    if train_n is None or test_n is None:
        train_n = test_n = None
    else:  # images whose angle cannot be seen (circles) are left out
        train_x, train_y, train_n = train_x[train_n > 0], train_y[train_n > 0], train_n[train_n > 0]
        test_x, test_y, test_n = test_x[test_n > 0], test_y[test_n > 0], test_n[test_n > 0]
    period = CIRCULAR_PERIODS[name]
    return ridge_r2(
        train_x,
        circular_targets(train_y, period, train_n),
        test_x,
        circular_targets(test_y, period, test_n),
    )


def factor_probes(
    train_features: Tensor, train: ImageDataset, test_features: Tensor, test: ImageDataset
) -> list[FactorScore]:
    """Probe every recorded factor of a dataset: fit on the train split, score on the test.

    Args:
        train_features: (N, d) features of ``train``'s images.
        train: the training split, with ``factors`` and ``factor_kinds``.
        test_features: (M, d) features of ``test``'s images.
        test: the held-out split, with the same factors.

    Returns:
        One :class:`FactorScore` per factor, in the dataset's order.
    """
    if not train.factors:
        raise ValueError(f"dataset {train.name!r} records no factors: there is nothing to probe")
    if train_features.shape[0] != len(train) or test_features.shape[0] != len(test):
        raise ValueError("the features must be row-aligned with the images of each split")
    scores = []
    for name, kind in train.factor_kinds.items():
        if kind == "categorical":
            train_y, test_y = train.factors[name].long(), test.factors[name].long()
            num_classes = int(max(train_y.max(), test_y.max())) + 1
            accuracy = linear_probe(
                train_features, train_y, test_features, test_y, num_classes
            ).accuracy
            chance = float(torch.bincount(test_y).max()) / test_y.numel()
            scores.append(FactorScore(name, kind, "accuracy", accuracy, chance))
        else:
            score = _continuous_score(name, train_features, train, test_features, test)
            scores.append(FactorScore(name, kind, "r2", score, 0.0))
    return scores
