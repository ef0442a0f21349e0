"""Which images form each batch: a pure function of (seed, step).

Each epoch is a seeded permutation of the training set cut into full batches, so batch ``s`` is
the same whether a run went straight to step ``s`` or was stopped and resumed on the way.
"""

from __future__ import annotations

import torch

from sslcore.seeds import SEED_STRIDE


class BatchSchedule:
    """Indices of the images of each training step (drop-last epochs of seeded permutations)."""

    def __init__(self, n_images: int, batch_size: int, seed: int) -> None:
        self.n_images = n_images
        self.batch_size = min(batch_size, n_images)
        self.batches_per_epoch = n_images // self.batch_size
        self.seed = seed
        self._epoch = -1
        self._order = torch.empty(0, dtype=torch.long)

    def indices(self, step: int) -> torch.Tensor:
        """(batch_size,) image indices for ``step``."""
        epoch, position = divmod(step, self.batches_per_epoch)
        if epoch != self._epoch:
            g = torch.Generator().manual_seed(self.seed * SEED_STRIDE + epoch)
            self._order = torch.randperm(self.n_images, generator=g)
            self._epoch = epoch
        start = position * self.batch_size
        return self._order[start : start + self.batch_size]
