"""A prior over a VQ-VAE's code grid: a small PixelCNN whose pixels are code indices.

A VQ-VAE describes an image by a g×g grid of indices into a codebook of K entries. The prior
p(k) = Πᵢ p(kᵢ | k_{<i}) models those grids: each index is a categorical over K values given the
indices above and to its left (raster order). Indices have no order (code 7 is not "between"
6 and 8), so each is looked up in a learned embedding before the masked convolutions, and the
output is K logits per position. Drawing a grid index by index and decoding it with the
VQ-VAE's decoder makes a new image; a grid of g² positions costs only g² passes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sslcore.objectives.pixelcnn import MaskedConv2d, sample_raster


class CodePrior(nn.Module):
    """Logits over K codes at every grid position, from the codes before it.

    Args:
        codes: codebook size K.
        width: embedding and feature channels.
        layers: residual mask-B layers after the mask-A input layer.
    """

    def __init__(self, codes: int, width: int, layers: int) -> None:
        super().__init__()
        self.codes = codes
        self.embed = nn.Embedding(codes, width)
        self.input = MaskedConv2d("A", width, width, 5)
        self.layers = nn.ModuleList(MaskedConv2d("B", width, width, 3) for _ in range(layers))
        self.output = nn.Sequential(nn.ReLU(), nn.Conv2d(width, codes, 1))

    def forward(self, codes: Tensor) -> Tensor:  # type: ignore[override]
        """Code indices (B, g, g) ints in [0, K) -> logits (B, K, g, g)."""
        features = self.input(self.embed(codes).permute(0, 3, 1, 2))  # (B, width, g, g)
        for layer in self.layers:
            features = features + layer(F.relu(features))
        return self.output(features)

    def nll(self, codes: Tensor) -> Tensor:
        """−(1/g²) Σᵢ log p(kᵢ | k_{<i}), nats per position, averaged over the batch."""
        return F.cross_entropy(self(codes), codes)

    @torch.no_grad()
    def sample(
        self, n: int, grid: int, device: torch.device, generator: torch.Generator | None = None
    ) -> Tensor:
        """Draw ``n`` grids index by index in raster order: (n, g, g) ints in [0, K)."""

        def logits_of(q: Tensor) -> Tensor:  # q (n, 1, rows, g) -> (n, K, 1, rows, g)
            return self(q[:, 0]).unsqueeze(2)

        return sample_raster(logits_of, (n, 1, grid, grid), device, generator)[:, 0]
