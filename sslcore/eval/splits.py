"""Class-balanced, seeded subsets of the labels: "what if we only had 1% of the labels?"."""

from __future__ import annotations

import torch
from torch import Tensor


def label_subset(labels: Tensor, fraction: float, seed: int = 0) -> Tensor:
    """Indices of a class-balanced share of a labelled set.

    Each class keeps ``round(fraction × its count)`` of its images, at least one, drawn at
    random with ``seed``; so the subset has the class proportions of the full set (equal counts
    when the classes are balanced) and never leaves a class without an example. The same
    labels, fraction and seed always give the same indices, and a smaller fraction is not
    required to be inside a larger one.

    Args:
        labels: (N,) integer class labels.
        fraction: share of the labels to keep, in (0, 1].
        seed: seed of the draw.

    Returns:
        Sorted (n,) int64 indices into ``labels``.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    if labels.dim() != 1 or labels.numel() == 0:
        raise ValueError(f"labels must be a non-empty (N,) tensor, got {tuple(labels.shape)}")
    if fraction == 1:
        return torch.arange(labels.numel())
    generator = torch.Generator().manual_seed(seed)
    labels = labels.cpu().long()
    chosen = []
    for label in torch.unique(labels):  # sorted, so the draw order is fixed
        members = torch.nonzero(labels == label).flatten()
        keep = max(1, round(fraction * members.numel()))
        order = torch.randperm(members.numel(), generator=generator)
        chosen.append(members[order[:keep]])
    return torch.sort(torch.cat(chosen)).values
