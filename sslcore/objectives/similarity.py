"""Similarity diagnostics shared by the contrastive methods: mean similarities and the matrix."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from sslcore.objectives.base import Visual

MAX_MATRIX_IMAGES = 64


def pair_similarities(z1: Tensor, z2: Tensor) -> tuple[Tensor, Tensor]:
    """Mean cosine similarity of positive pairs (z1[i], z2[i]) and of negatives (i ≠ j).

    Args:
        z1, z2: (B, d) projections of two views of the same B images.

    Returns:
        (positive, negative) as detached scalar float tensors.
    """
    z1 = F.normalize(z1.detach().float(), dim=1)
    z2 = F.normalize(z2.detach().float(), dim=1)
    sim = z1 @ z2.T  # (B, B)
    batch = sim.shape[0]
    positive = sim.diagonal().mean()
    negative = (sim.sum() - sim.diagonal().sum()) / max(batch * (batch - 1), 1)
    return positive, negative


def similarity_matrix_visual(z: Tensor) -> Visual:
    """The cosine-similarity matrix of a batch of projections as a (1, 1, B, B) image in [0, 1].

    Similarity −1 is black and +1 white. A matrix that is white everywhere means every image
    maps to the same point: the representation has collapsed.

    Args:
        z: (B, d) projections of B images; only the first 64 are shown.
    """
    z = F.normalize(z[:MAX_MATRIX_IMAGES].detach().float(), dim=1)
    sim = z @ z.T  # (B, B)
    image = ((sim + 1.0) / 2.0).clamp(0.0, 1.0)[None, None]
    caption = (
        f"Cosine similarity of the projections of {z.shape[0]} images "
        "(black −1, white +1): the diagonal is each image with itself; a bright matrix "
        "everywhere means collapse."
    )
    return Visual(images=image, captions=[caption])
