"""A small conditional PixelCNN: masked convolutions that see only the pixels above and left.

Pixels are ordered in raster order (row by row, left to right), and inside a pixel its colours
in order, R then G then B (van den Oord et al. 2016, "Pixel Recurrent Neural Networks", §3.4):

    p(x) = ∏ᵢ p(x_{i,R} | x_{<i}) · p(x_{i,G} | x_{<i}, x_{i,R}) · p(x_{i,B} | x_{<i}, x_{i,R,G})

A masked convolution zeroes the kernel weights that would look at a later pixel. At the current
pixel (the kernel's centre) every feature channel belongs to one colour, and a channel of colour
c sees only the colours before c (mask A, the first layer, which reads the image itself) or up
to and including c (mask B, later layers: their input of colour c already summarises only what
colour c may see). So the logits of G at a pixel read its R, and B reads R and G: a drawn pixel
has one coherent colour, where drawing the three channels of a pixel each on its own from the
earlier pixels gave two-coloured blobs. With one channel (grey images, a VQ-VAE's code grid)
the colour order is empty and the masks are the plain A and B.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def colour_of_channels(count: int, colours: int) -> Tensor:
    """Which of ``colours`` colours (0 = R, 1 = G, 2 = B) each of ``count`` channels serves:
    (count,) ints, in contiguous runs as even as ``count`` allows."""
    return torch.arange(count) * colours // count


class MaskedConv2d(nn.Conv2d):
    """A same-padded convolution that cannot see a later pixel, nor a later colour of this one.

    Args:
        mask_type: ``"A"``: at the centre, colour c sees the colours before c (the first
            layer); ``"B"``: up to and including c (later layers).
        colours: the colours of the pixel ordered inside it (C of the image; 1: no order).
    """

    mask: Tensor

    def __init__(
        self, mask_type: str, in_channels: int, out_channels: int, kernel: int, colours: int = 1
    ) -> None:
        if mask_type not in ("A", "B"):
            raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
        super().__init__(in_channels, out_channels, kernel, padding=kernel // 2)
        mask = torch.ones(out_channels, in_channels, kernel, kernel)
        centre = kernel // 2
        mask[:, :, centre, centre + 1 :] = 0  # the current row: right of the centre
        mask[:, :, centre + 1 :] = 0  # every row below
        seen = colour_of_channels(in_channels, colours)  # (in,)
        seeing = colour_of_channels(out_channels, colours)[:, None]  # (out, 1)
        allowed = seeing >= seen if mask_type == "B" else seeing > seen  # (out, in)
        mask[:, :, centre, centre] = allowed.float()
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
        masked = partial(MaskedConv2d, colours=channels)
        self.input = masked("A", channels, hidden, 7)
        self.layers = nn.ModuleList(masked("B", hidden, hidden, 3) for _ in range(layers))
        self.condition = nn.Linear(condition_dim, hidden * (layers + 1))
        self.output = nn.Sequential(  # 1x1, masked too: colour c's logits read colours ≤ c
            nn.ReLU(),
            masked("B", hidden, hidden, 1),
            nn.ReLU(),
            masked("B", hidden, channels * levels, 1),  # out channel c·L + l serves colour c
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
    """Fill a (B, C, H, W) grid of ints position by position in raster order, and inside a
    position channel by channel (colour c is drawn after, and given, colours < c).

    ``logits_of(q)`` gives (B, L, C, h, W) logits for the top h rows of the grid drawn so far.
    A causal model's output at a position reads no later position, so the rows below the
    current one can be left out of its pass: H·W·C passes, each over the rows drawn so far
    (half the grid on average, the same logits as a pass over the whole grid).
    """
    q = torch.zeros(shape, dtype=torch.long, device=device)
    _, channels, height, width = shape
    for row in range(height):
        for col in range(width):
            for channel in range(channels):
                logits = logits_of(q[:, :, : row + 1])[:, :, channel, row, col]  # (B, L)
                probs = torch.softmax(logits.float() / temperature, dim=1)
                if generator is not None:
                    probs = probs.to(generator.device)
                drawn = torch.multinomial(probs, 1, generator=generator)  # (B, 1)
                q[:, channel, row, col] = drawn[:, 0].to(q.device)
    return q
