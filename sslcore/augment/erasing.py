"""Random erasing (cutout): blank out one rectangle per chosen image.

Follows torchvision's ``RandomErasing`` defaults: the rectangle covers a share of the area drawn
from [0.02, 0.33] with an aspect ratio drawn log-uniformly from [0.3, 3.3], sides rounded to
whole pixels; up to 10 tries to find one strictly smaller than the image, else the image is left
alone. Erased pixels become 0 (black), torchvision's default value. Each image draws its own
rectangle; the rectangles are applied as one boolean mask for the whole batch.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from sslcore.augment.draws import coin, uniform

AREA_SHARE = (0.02, 0.33)
ASPECT_RATIO = (0.3, 3.3)
ERASE_TRIES = 10


def sample_rectangles(
    generator: torch.Generator, n: int, height: int, width: int
) -> tuple[Tensor, Tensor]:
    """Rectangles ``(top, left, box_height, box_width)`` (n, 4) in pixels, and a (n,) bool of
    whether one was found; on the generator's device."""
    share = uniform(generator, (n, ERASE_TRIES), *AREA_SHARE)
    log_ratio = uniform(generator, (n, ERASE_TRIES), *map(math.log, ASPECT_RATIO))
    ratio = torch.exp(log_ratio)
    area = height * width * share
    h = torch.round(torch.sqrt(area * ratio))
    w = torch.round(torch.sqrt(area / ratio))
    fits = (h < height) & (w < width)
    first = fits.to(torch.uint8).argmax(dim=1, keepdim=True)
    h, w = h.gather(1, first).squeeze(1), w.gather(1, first).squeeze(1)
    # Top-left corner uniform over the whole-pixel positions that keep the box inside.
    top = torch.floor(uniform(generator, (n,), 0.0, 1.0) * (height - h + 1))
    left = torch.floor(uniform(generator, (n,), 0.0, 1.0) * (width - w + 1))
    return torch.stack([top, left, h, w], dim=1), fits.any(dim=1)


def rectangle_masks(rectangles: Tensor, height: int, width: int) -> Tensor:
    """(n, 1, H, W) bool masks, True inside each rectangle of ``rectangles`` (n, 4)."""
    top, left, h, w = (v.view(-1, 1, 1) for v in rectangles.unbind(dim=1))
    rows = torch.arange(height, device=rectangles.device).view(1, -1, 1)
    cols = torch.arange(width, device=rectangles.device).view(1, 1, -1)
    inside = (rows >= top) & (rows < top + h) & (cols >= left) & (cols < left + w)
    return inside.unsqueeze(1)


def random_erasing(x: Tensor, generator: torch.Generator, prob: float) -> Tensor:
    """Erase one rectangle from each image of ``x`` (N, C, H, W) with probability ``prob``."""
    n, _, height, width = x.shape
    chosen = coin(generator, n, prob)
    rectangles, found = sample_rectangles(generator, n, height, width)
    erase = (chosen & found).to(x.device).view(-1, 1, 1, 1)
    masks = rectangle_masks(rectangles.to(x.device), height, width) & erase
    return x.masked_fill(masks, 0.0)
