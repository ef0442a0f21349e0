"""A small conditional PixelCNN: masked convolutions that see only the pixels above and left.

Pixels are ordered in raster order (row by row, left to right). A masked convolution zeroes the
kernel weights that would look at the current pixel or any later one, so the output at pixel i
depends only on pixels before i, the condition an autoregressive model p(xᵢ | x_{<i}) needs.
The first layer uses mask A (the centre excluded); later layers use mask B (the centre
included: their input at the centre already summarises only earlier pixels). The colour
channels of one pixel are predicted together, each from the earlier pixels (the original
orders R, G, B inside a pixel too; dropping that keeps the masks simple).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class MaskedConv2d(nn.Conv2d):
    """A same-padded convolution whose kernel cannot see the current or any later pixel.

    Args:
        mask_type: ``"A"`` excludes the centre tap (first layer), ``"B"`` keeps it.
    """

    mask: Tensor

    def __init__(self, mask_type: str, in_channels: int, out_channels: int, kernel: int) -> None:
        if mask_type not in ("A", "B"):
            raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
        super().__init__(in_channels, out_channels, kernel, padding=kernel // 2)
        mask = torch.ones(kernel, kernel)
        centre = kernel // 2
        mask[centre, centre + (mask_type == "B") :] = 0  # the current row: right of the centre
        mask[centre + 1 :] = 0  # every row below
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class PixelCNN(nn.Module):
    """Logits over ``levels`` intensities per pixel and channel, from earlier pixels and a vector.

    Args:
        channels: image channels C.
        levels: quantisation levels L.
        hidden: feature channels.
        layers: residual mask-B layers after the mask-A input layer.
        condition_dim: size of the conditioning vector (the backbone's h); each layer adds a
            linear function of it to every pixel, as in the conditional PixelCNN.
    """

    def __init__(
        self, channels: int, levels: int, hidden: int, layers: int, condition_dim: int
    ) -> None:
        super().__init__()
        self.channels, self.levels = channels, levels
        self.input = MaskedConv2d("A", channels, hidden, 7)
        self.layers = nn.ModuleList(MaskedConv2d("B", hidden, hidden, 3) for _ in range(layers))
        self.condition = nn.Linear(condition_dim, hidden * (layers + 1))
        self.output = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(hidden, hidden, 1),
            nn.ReLU(),
            nn.Conv2d(hidden, channels * levels, 1),
        )

    def forward(self, q: Tensor, condition: Tensor) -> Tensor:  # type: ignore[override]
        """Quantised images q (B, C, H, W) ints in [0, L) and h (B, d) -> logits (B, L, C, H, W)."""
        b, c, height, width = q.shape
        x = q.float() / (self.levels - 1) * 2 - 1  # to [-1, 1]
        biases = self.condition(condition).unsqueeze(-1).unsqueeze(-1)  # (B, hidden·(n+1), 1, 1)
        biases = biases.chunk(len(self.layers) + 1, dim=1)
        features = self.input(x) + biases[0]
        for layer, bias in zip(self.layers, biases[1:], strict=True):
            features = features + layer(F.relu(features)) + bias
        logits = self.output(features)  # (B, C·L, H, W)
        return logits.view(b, c, self.levels, height, width).transpose(1, 2)

    @torch.no_grad()
    def sample(
        self,
        condition: Tensor,
        size: int,
        generator: torch.Generator | None = None,
        temperature: float = 1.0,
    ) -> Tensor:
        """Draw images pixel by pixel in raster order: (B, C, size, size) ints in [0, L)."""
        shape = (len(condition), self.channels, size, size)
        logits_of = partial(self, condition=condition)
        return sample_raster(logits_of, shape, condition.device, generator, temperature)


@torch.no_grad()
def sample_raster(
    logits_of: Callable[[Tensor], Tensor],
    shape: tuple[int, int, int, int],
    device: torch.device,
    generator: torch.Generator | None = None,
    temperature: float = 1.0,
) -> Tensor:
    """Fill a (B, C, H, W) grid of ints position by position in raster order.

    ``logits_of(q)`` gives (B, L, C, h, W) logits for the top h rows of the grid drawn so far.
    A causal model's output at a position reads no later position, so the rows below the
    current one can be left out of its pass: H·W passes, each over the rows drawn so far
    (half the grid on average, the same logits as a pass over the whole grid).
    """
    q = torch.zeros(shape, dtype=torch.long, device=device)
    batch, _, height, width = shape
    for row in range(height):
        for col in range(width):
            logits = logits_of(q[:, :, : row + 1])[:, :, :, row, col]  # (B, L, C)
            probs = torch.softmax(logits.float() / temperature, dim=1)
            flat = probs.permute(0, 2, 1).reshape(-1, probs.shape[1])
            if generator is not None:
                flat = flat.to(generator.device)
            drawn = torch.multinomial(flat, 1, generator=generator)
            q[:, :, row, col] = drawn.view(batch, -1).to(q.device)
    return q
