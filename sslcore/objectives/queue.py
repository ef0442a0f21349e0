"""A first-in, first-out ring buffer of past projections (MoCo's negatives, NNCLR's support set).

The queue lives in buffers, so it moves with the objective to the device and is saved in the
checkpoint with it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class FeatureQueue(nn.Module):
    """The last ``size`` vectors pushed, L2-normalised.

    Args:
        size: how many vectors the queue holds.
        dim: their dimension.
        random_start: start full of random unit vectors (MoCo's official code does this, so
            there are negatives from the first step) instead of empty (NNCLR: a neighbour must
            be a real past projection).
    """

    features: Tensor
    pointer: Tensor
    filled: Tensor

    def __init__(self, size: int, dim: int, random_start: bool) -> None:
        super().__init__()
        start = (
            F.normalize(torch.randn(size, dim), dim=1) if random_start else torch.zeros(size, dim)
        )
        self.register_buffer("features", start)
        self.register_buffer("pointer", torch.zeros((), dtype=torch.long))
        self.register_buffer("filled", torch.tensor(size if random_start else 0))

    def contents(self) -> Tensor:
        """The (n, dim) vectors held now, n ≤ size (the oldest is overwritten first)."""
        return self.features[: int(self.filled)]

    @torch.no_grad()
    def push(self, vectors: Tensor) -> None:
        """Add (n, dim) vectors, overwriting the oldest; only the last ``size`` are kept."""
        size = self.features.shape[0]
        vectors = F.normalize(vectors.detach().float(), dim=1)[-size:]
        count = vectors.shape[0]
        start = int(self.pointer)
        rows = (start + torch.arange(count, device=vectors.device)) % size
        self.features[rows] = vectors.to(self.features.dtype)
        self.pointer.fill_((start + count) % size)
        self.filled.fill_(min(int(self.filled) + count, size))
