"""Convolutional decoders that turn a representation back into an image.

Generative objectives (autoencoder, VQ-VAE, colorization) need to go from a compact code back to
pixels. :class:`GridDecoder` upsamples a small spatial grid of features by factors of two;
:class:`ConvDecoder` first unfolds a feature vector h into such a grid with a linear layer, so the
whole image must be explained by h alone: the bottleneck that makes the backbone learn.
"""

from __future__ import annotations

from torch import Tensor, nn


def upsampling_steps(size: int, max_steps: int = 3, min_grid: int = 2) -> int:
    """How many times ``size`` can be halved exactly, keeping a grid of at least ``min_grid``.

    Args:
        size: the image side in pixels.
        max_steps: the most doublings a decoder makes.
        min_grid: the smallest grid side the decoder starts from.

    Returns:
        k such that ``size / 2**k`` is an integer of at least ``min_grid``.
    """
    steps = 0
    while steps < max_steps and size % 2 == 0 and size // 2 >= min_grid:
        size //= 2
        steps += 1
    return steps


class GridDecoder(nn.Module):
    """Upsample a (B, in_channels, g, g) grid to (B, out_channels, g·2^k, g·2^k).

    Each step doubles the side (nearest neighbour) and mixes with a 3×3 convolution, halving the
    channels; a final 3×3 convolution gives the output channels (raw values, no activation, so
    the caller picks a sigmoid for pixels or nothing for a regression target).
    """

    def __init__(self, in_channels: int, out_channels: int, steps: int, width: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(in_channels, width, 3, padding=1), nn.GELU()]
        channels = width
        for _ in range(steps):
            out = max(channels // 2, 16)
            layers += [
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(channels, out, 3, padding=1),
                nn.BatchNorm2d(out),
                nn.GELU(),
            ]
            channels = out
        self.body = nn.Sequential(*layers)
        self.out_channels = channels
        self.head = nn.Conv2d(channels, out_channels, 3, padding=1)

    def features(self, grid: Tensor) -> Tensor:
        """The last hidden feature map, (B, self.out_channels, H, W)."""
        return self.body(grid)

    def forward(self, grid: Tensor) -> Tensor:  # type: ignore[override]
        return self.head(self.body(grid))


class ConvDecoder(nn.Module):
    """Decode a feature vector h (B, in_dim) into an image-sized map (B, out_channels, size, size).

    A linear layer unfolds h into a (width, g, g) grid, with g = size / 2^k the smallest exact
    grid (at most three doublings), then :class:`GridDecoder` upsamples it.

    Args:
        in_dim: dimension of h.
        out_channels: channels of the output map.
        size: side of the output in pixels.
        width: channels of the starting grid; later stages halve it.
    """

    def __init__(self, in_dim: int, out_channels: int, size: int, width: int = 128) -> None:
        super().__init__()
        steps = upsampling_steps(size)
        self.grid = size // 2**steps
        self.width = width
        self.unfold = nn.Sequential(nn.Linear(in_dim, width * self.grid**2), nn.GELU())
        self.upsample = GridDecoder(width, out_channels, steps, width)

    def features(self, h: Tensor) -> Tensor:
        """The last hidden feature map before the output convolution."""
        return self.upsample.features(self._grid(h))

    def forward(self, h: Tensor) -> Tensor:  # type: ignore[override]
        return self.upsample(self._grid(h))

    def _grid(self, h: Tensor) -> Tensor:
        return self.unfold(h).view(h.shape[0], self.width, self.grid, self.grid)
