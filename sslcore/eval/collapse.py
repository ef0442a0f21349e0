"""Collapse diagnostics: is the embedding still spread out, or has it fallen to a point?

A self-supervised loss that only pulls views together is minimised by mapping every image to
the same vector (complete collapse), or to a low-dimensional subspace (dimensional collapse).
These figures show either kind while the model trains:

- **std of the l2-normalised embedding** (lightly's ``std_of_l2_normalized``; SimSiam, Chen &
  He 2021, Fig. 2): the per-dimension std over the batch of z/‖z‖, averaged over dimensions;
  ≈ 0 when collapsed, ≈ 1/√d when spread over the sphere.
- **RankMe** (Garrido et al. 2023, https://arxiv.org/abs/2210.02885): the exponential of the
  entropy of the normalised singular values of the (N, d) embedding; ≈ 1 for a collapsed
  embedding, up to min(N, d) for an isotropic one.
- **alignment and uniformity** (Wang & Isola 2020, https://arxiv.org/abs/2005.10242), on
  normalised features: alignment E‖f(x) − f(x⁺)‖² over positive pairs (lower: views agree),
  uniformity log E exp(−2‖f(x) − f(y)‖²) over all pairs (lower: spread over the sphere; 0 for
  a collapsed embedding).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

RANKME_EPS = 1e-7
UNIFORMITY_MAX_POINTS = 2048


def _check_matrix(z: Tensor, name: str = "z") -> None:
    if z.dim() != 2 or z.shape[0] < 2:
        raise ValueError(f"{name} must be an (N, d) matrix with N >= 2, got {tuple(z.shape)}")


@torch.no_grad()
def std_of_l2_normalized(z: Tensor) -> float:
    """Mean over dimensions of the std over rows of z/‖z‖: 0 collapsed, ~1/√d spread out."""
    _check_matrix(z)
    return float(F.normalize(z.float(), dim=1).std(dim=0).mean())


@torch.no_grad()
def rankme(z: Tensor, eps: float = RANKME_EPS) -> float:
    """The effective rank exp(−Σ p_k log p_k), p_k = σ_k / Σσ + ε, of the (N, d) embedding."""
    _check_matrix(z)
    singular_values = torch.linalg.svdvals(z.double())
    total = singular_values.sum()
    if total <= 0:
        return 1.0  # all-zero embedding: as collapsed as it gets
    p = singular_values / total + eps
    return float(torch.exp(-(p * p.log()).sum()))


@torch.no_grad()
def alignment(z1: Tensor, z2: Tensor, alpha: float = 2.0) -> float:
    """E‖f(x) − f(x⁺)‖^α over row-aligned positive pairs of normalised features, in [0, 4]."""
    _check_matrix(z1, "z1")
    if z1.shape != z2.shape:
        raise ValueError(
            f"z1 and z2 must have the same shape, got {tuple(z1.shape)} and {tuple(z2.shape)}"
        )
    z1, z2 = F.normalize(z1.float(), dim=1), F.normalize(z2.float(), dim=1)
    return float((z1 - z2).norm(dim=1).pow(alpha).mean())


@torch.no_grad()
def uniformity(z: Tensor, t: float = 2.0, max_points: int = UNIFORMITY_MAX_POINTS) -> float:
    """log E exp(−t‖f(x) − f(y)‖²) over distinct pairs of normalised features, in [−4t, 0].

    Pairs grow with N²: at most ``max_points`` evenly spaced rows are used.
    """
    _check_matrix(z)
    if z.shape[0] > max_points:
        z = z[torch.linspace(0, z.shape[0] - 1, max_points).long()]
    z = F.normalize(z.double(), dim=1)
    squared_distances = torch.pdist(z).pow(2)  # (N(N-1)/2,)
    return float(
        torch.logsumexp(-t * squared_distances, dim=0)
        - torch.log(torch.tensor(float(squared_distances.numel()), dtype=torch.float64))
    )


def collapse_report(z: Tensor, z_positive: Tensor | None = None) -> dict[str, float]:
    """All collapse figures of an embedding; ``alignment`` only when positives are given.

    Args:
        z: (N, d) embedding of N images.
        z_positive: (N, d) embedding of another augmented view of the same N images.

    Returns:
        ``std``, ``std_ideal`` (1/√d, what a spread-out embedding reaches), ``rankme``,
        ``rank_max`` (min(N, d)), ``uniformity`` and, with positives, ``alignment``.
    """
    report = {
        "std": std_of_l2_normalized(z),
        "std_ideal": float(z.shape[1]) ** -0.5,
        "rankme": rankme(z),
        "rank_max": float(min(z.shape)),
        "uniformity": uniformity(z),
    }
    if z_positive is not None:
        report["alignment"] = alignment(z, z_positive)
    return report
