"""VICReg: invariance, variance and covariance terms, each keeping one failure away."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.backbones.base import Backbone
from sslcore.config import spec
from sslcore.objectives.base import LEARNING_TEST, ImageSpec, Objective, StepOutput
from sslcore.objectives.fields import WideProjectorParams, projector
from sslcore.objectives.ranks import ONE_PROCESS, Ranks


def variance_term(z: Tensor, eps: float = 1e-4) -> Tensor:
    """v(Z) = (1/d) Σⱼ max(0, 1 − √(Var(zʲ) + ε)): a hinge on each dimension's std (γ = 1)."""
    std = torch.sqrt(z.var(dim=0) + eps)
    return F.relu(1 - std).mean()


def covariance_term(z: Tensor) -> Tensor:
    """c(Z) = (1/d) Σ_{i≠j} C(Z)ᵢⱼ², C the (unbiased) covariance over the batch."""
    batch, dim = z.shape
    z = z - z.mean(dim=0)
    cov = z.T @ z / (batch - 1)  # (d, d)
    return (cov.pow(2).sum() - cov.diagonal().pow(2).sum()) / dim


def vicreg_loss(
    z1: Tensor,
    z2: Tensor,
    invariance_weight: float = 25.0,
    variance_weight: float = 25.0,
    covariance_weight: float = 1.0,
    ranks: Ranks = ONE_PROCESS,
) -> tuple[Tensor, dict[str, Tensor]]:
    """L = λ·s(Z, Z') + μ·½[v(Z) + v(Z')] + ν·[c(Z) + c(Z')].

    Equal to lightly's ``VICRegLoss(λ, μ, ν)`` and to the authors' code, which differ from the
    paper's formula in two constants: the invariance s is the mean squared error over batch
    *and* dimensions (the paper divides by n only), and the two variance terms are averaged.
    On several processes (``ranks``) the projections of every process are gathered first
    (``ranks.gather_with_grad``), so the variances and covariances are those of the global batch.

    Args:
        z1, z2: (b, d) projections (the paper's "embeddings") of the two views: this process's
            share of the B ≥ 2 images.
        invariance_weight, variance_weight, covariance_weight: λ, μ, ν.
        ranks: the processes sharing the batch; by default one, which holds all of it (b = B).

    Returns:
        The loss and its unweighted terms ``invariance`` (s), ``variance`` (the mean of the two
        hinges; 1 when collapsed, 0 when every dimension has std ≥ 1) and ``covariance``.
    """
    z1, z2 = ranks.gather_with_grad(z1), ranks.gather_with_grad(z2)  # (B, d) each
    z1, z2 = z1.float(), z2.float()
    invariance = F.mse_loss(z1, z2)
    variance = (variance_term(z1) + variance_term(z2)) / 2
    covariance = covariance_term(z1) + covariance_term(z2)
    loss = invariance_weight * invariance + variance_weight * variance
    loss = loss + covariance_weight * covariance
    components = {
        "invariance": invariance.detach(),
        "variance": variance.detach(),
        "covariance": covariance.detach(),
    }
    return loss, components


def _weight_field(default: float, label: str, help: str) -> float:
    return spec(default, label, help, min=0.0, max=100.0, step=0.5)  # type: ignore[no-any-return]


class VICReg(Objective):
    """VICReg learns embeddings that are invariant, spread out and decorrelated, by saying so.

    Three terms on the two views' projections: invariance (the views' embeddings are close),
    variance (every dimension keeps a std of at least 1 over the batch, which is what prevents
    collapse) and covariance (dimensions are decorrelated, which prevents the informational
    collapse where all dimensions say the same thing). Plot the three terms: when the variance
    term rises the embedding is shrinking.

    References: [0] VICReg, 2022, https://arxiv.org/abs/2105.04906
    """

    name = "vicreg"
    family = "redundancy"
    formula = (
        r"\mathcal{L} = \lambda\, s(Z, Z') + \mu\,[v(Z) + v(Z')] + \nu\,[c(Z) + c(Z')]"
        r"\qquad v(Z) = \frac{1}{d}\sum_j \max\!\big(0, \gamma - \sqrt{\mathrm{Var}(z^j)"
        r" + \epsilon}\big)"
    )
    prevents_collapse = (
        "The variance term keeps each dimension's spread above γ; the covariance term "
        "decorrelates the dimensions."
    )
    n_views = 2
    default_augment = "byol"
    photo_measured = (
        "cifar10_dev kNN 49.5% (lightly's example recipe diverged, random network 39.1%), "
        "convnet, 250 steps of 256"
    )
    recipe_measured = f"shape kNN 33.8% → 49.0%, {LEARNING_TEST}"
    # lightly's transforms, the lab's AdamW and projector (lightly has no CIFAR-10 VICReg in its
    # benchmark). Measured on cifar10_dev (250 steps of 256, random network 39.1% kNN): this
    # 48.8%; lightly's example's plain SGD 0.06 with a two-layer 2048-wide head 48.1%; AdamW
    # with that head 33.1%; the benchmark script's SGD with momentum diverged (lightly's too).
    photo_recipe = {
        "optim.optimizer": "adamw",
        "optim.lr": 2e-3,
        "optim.weight_decay": 1e-4,
        "optim.warmup_steps": 30,
    }

    @dataclass(frozen=True)
    class Config(WideProjectorParams):
        """VICReg's hyperparameters."""

        invariance_weight: float = _weight_field(
            25.0, "Invariance weight λ", "Weight of the mean squared distance between views."
        )
        variance_weight: float = _weight_field(
            25.0, "Variance weight μ", "Weight of the hinge keeping each dimension's std ≥ 1."
        )
        covariance_weight: float = _weight_field(
            1.0, "Covariance weight ν", "Weight of the squared off-diagonal covariances."
        )

    def __init__(self, backbone: Backbone, config: VICReg.Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        self.projector = projector(backbone.out_dim, config)

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        z1, z2 = self.projector(self.backbone(torch.cat(views))).chunk(2)  # (B, d) each
        config = self.config
        loss, components = vicreg_loss(
            z1,
            z2,
            config.invariance_weight,
            config.variance_weight,
            config.covariance_weight,
            self.ranks,
        )
        return StepOutput(loss, components, z1.detach())
