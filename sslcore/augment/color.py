"""Pixel-value operations with one factor per image, and the random grayscale and solarize.

The four colour adjustments follow torchvision's ``ColorJitter`` functions on float images:
each one blends the image with a reference image and clamps to [0, 1],
``out = clamp(f * x + (1 - f) * reference)``:

- brightness: the reference is black (so ``f * x``);
- contrast: the reference is the image's mean luminance (a flat grey);
- saturation: the reference is the image's own luminance (its grayscale version);
- hue: not a blend; the hue angle of every pixel turns by ``f`` of a full turn, keeping its
  value (max channel) and chroma (max - min).

Saturation and hue leave single-channel images unchanged, as torchvision does.
"""

from __future__ import annotations

import torch
from torch import Tensor

from sslcore.augment.draws import coin

# ITU-R 601-2 luma weights, as torchvision's rgb_to_grayscale and PIL's convert("L").
LUMA_WEIGHTS = (0.2989, 0.587, 0.114)


def luminance(x: Tensor) -> Tensor:
    """(N, 1, H, W) luma of (N, C, H, W) images (C = 1 returns the image itself)."""
    if x.shape[1] == 1:
        return x
    red, green, blue = LUMA_WEIGHTS
    out = x[:, 0:1] * red
    return out.add_(x[:, 1:2], alpha=green).add_(x[:, 2:3], alpha=blue)


def _per_image(factor: Tensor, x: Tensor) -> Tensor:
    """(N,) factors as (N, 1, 1, 1), on the images' device and dtype."""
    return factor.to(device=x.device, dtype=x.dtype).view(-1, 1, 1, 1)


def adjust_brightness(x: Tensor, factor: Tensor) -> Tensor:
    """Scale intensities by ``factor`` (N,): 0 is black, 1 unchanged."""
    return (x * _per_image(factor, x)).clamp_(0.0, 1.0)


def adjust_contrast(x: Tensor, factor: Tensor) -> Tensor:
    """Move pixels away from (>1) or towards (<1) the image's mean luminance."""
    # The mean luminance is the luma of the channel means (luma is linear).
    mean = luminance(x.mean(dim=(2, 3), keepdim=True))  # (N, 1, 1, 1)
    f = _per_image(factor, x)
    return (x * f).add_((1 - f) * mean).clamp_(0.0, 1.0)


def adjust_saturation(x: Tensor, factor: Tensor) -> Tensor:
    """Blend with the grayscale image: 0 is gray, 1 unchanged, 2 doubly vivid."""
    if x.shape[1] == 1:
        return x
    f = _per_image(factor, x)
    return (x * f).add_(luminance(x) * (1 - f)).clamp_(0.0, 1.0)


def adjust_hue(x: Tensor, shift: Tensor) -> Tensor:
    """Turn every pixel's hue by ``shift`` (N,) in turns (0.5 = opposite colour, in [-0.5, 0.5]).

    The hue ``h`` in [0, 6) is read off the largest channel; the shifted colour is rebuilt with
    the closed-form HSV-to-RGB rule ``channel = max - chroma * clamp(min(k, 4 - k), 0, 1)``,
    ``k = (n + h) mod 6`` with ``n`` = 5, 3, 1 for red, green, blue.
    """
    if x.shape[1] == 1:
        return x
    r, g, b = x.unbind(dim=1)
    value = x.amax(dim=1)  # (N, H, W)
    chroma = value - x.amin(dim=1)
    # Which channel is largest decides the hue's sextant; ties go to red, then green, as in
    # torchvision's _rgb2hsv.
    red_max, green_max = value == r, value == g
    difference = torch.where(red_max, g - b, torch.where(green_max, b - r, r - g))
    sextant = torch.where(red_max, 0.0, torch.where(green_max, 2.0, 4.0))
    hue = difference.div_(chroma.clamp(min=1e-12)).add_(sextant)  # (N, H, W), in [-1, 5]
    hue.add_(_per_image(shift, x).view(-1, 1, 1), alpha=6.0)
    offsets = torch.tensor([5.0, 3.0, 1.0], device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    k = torch.remainder(hue.unsqueeze(1) + offsets, 6.0)  # (N, 3, H, W)
    ramp = torch.minimum(k, 4.0 - k).clamp_(0.0, 1.0)
    return ramp.mul_(chroma.unsqueeze(1)).neg_().add_(value.unsqueeze(1)).clamp_(0.0, 1.0)


def solarize(x: Tensor, threshold: float = 0.5) -> Tensor:
    """Invert the pixels at or above ``threshold`` (``x -> 1 - x``), as PIL and torchvision do."""
    return torch.where(x >= threshold, 1.0 - x, x)


def random_grayscale(x: Tensor, generator: torch.Generator, prob: float) -> Tensor:
    """Replace each image by its luminance (in every channel) with probability ``prob``."""
    chosen = coin(generator, x.shape[0], prob).to(x.device).view(-1, 1, 1, 1)
    return torch.where(chosen, luminance(x).expand_as(x), x)


def random_solarize(x: Tensor, generator: torch.Generator, prob: float | Tensor) -> Tensor:
    """Solarize each image with probability ``prob`` (a number or one per image)."""
    chosen = coin(generator, x.shape[0], prob).to(x.device).view(-1, 1, 1, 1)
    return torch.where(chosen, solarize(x), x)
