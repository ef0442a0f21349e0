"""What every backbone exposes: ``out_dim`` and a forward from images in [0, 1] to features."""

from __future__ import annotations

from torch import Tensor, nn


class Backbone(nn.Module):
    """A feature extractor f: (B, C, H, W) images in [0, 1] -> (B, out_dim) features h.

    Each backbone rescales its input to [-1, 1] itself, so objectives and viewers work with
    plain [0, 1] images everywhere.
    """

    out_dim: int
    name: str = ""

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        raise NotImplementedError
