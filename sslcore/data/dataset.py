"""The in-memory image dataset every loader returns.

Images are kept as one uint8 tensor (N, C, H, W) at the run's image size: the built-in and
torchvision sets fit easily in memory at 32x32, batches are plain index lookups, and no DataLoader
worker process is needed (worker processes re-execute the Streamlit script; see DESIGN §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor


@dataclass
class ImageDataset:
    """One split of a dataset.

    Attributes:
        name: the dataset name as configured (``shapes``, ``folder:/data/cats``).
        images: (N, C, H, W) uint8.
        labels: (N,) int64 class indices, or None when unlabelled.
        classes: class names, index-aligned with ``labels`` (empty when unlabelled).
        factors: named generative factors, (N,) each: int64 for categorical, float32 for
            continuous (``shapes`` records shape, colour, size, x, y, angle).
        factor_kinds: ``"categorical"`` or ``"continuous"`` per factor.
        factor_classes: names of the values of each categorical factor.
        factor_colours: for a categorical factor that is a colour, each value's colour as
            ``#rrggbb`` (index-aligned with its ``factor_classes``), so a chart coloured by it
            draws "red" in the red the images are painted with.
        skipped: files that could not be read (user folders), counted, not fatal.
    """

    name: str
    images: Tensor
    labels: Tensor | None = None
    classes: list[str] = field(default_factory=list)
    factors: dict[str, Tensor] = field(default_factory=dict)
    factor_kinds: dict[str, str] = field(default_factory=dict)
    factor_classes: dict[str, list[str]] = field(default_factory=dict)
    factor_colours: dict[str, list[str]] = field(default_factory=dict)
    skipped: int = 0

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    @property
    def size(self) -> int:
        return int(self.images.shape[-1])

    def subset(self, index: Tensor) -> ImageDataset:
        """The images (and labels, factors) at ``index``."""
        return ImageDataset(
            name=self.name,
            images=self.images[index],
            labels=None if self.labels is None else self.labels[index],
            classes=self.classes,
            factors={k: v[index] for k, v in self.factors.items()},
            factor_kinds=self.factor_kinds,
            factor_classes=self.factor_classes,
            factor_colours=self.factor_colours,
            skipped=self.skipped,
        )

    def probe_indices(self, n: int, seed: int = 0) -> Tensor:
        """A fixed, seeded sample of at most ``n`` indices (the probe set)."""
        g = torch.Generator().manual_seed(seed)
        return torch.randperm(len(self), generator=g)[: min(n, len(self))]
