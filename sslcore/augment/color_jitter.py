"""Random colour jitter: brightness, contrast, saturation and hue, per image, in random order.

SimCLR's recipe with strength ``s``: brightness, contrast and saturation factors are drawn
uniformly from ``[max(0, 1 - 0.8 s), 1 + 0.8 s]`` and the hue shift from ``[-0.2 s, 0.2 s]``
turns, all applied with probability ``p``. Like torchvision's ``ColorJitter`` (which lightly
and solo-learn use), the four adjustments run in a random order; here every image draws its own
order as well as its own factors. Each adjustment clamps to [0, 1], as torchvision's do.

To stay batched, the jitter runs in four steps. At each step every jittered image makes the
adjustment its order puts there. Brightness, contrast and saturation are all a blend
``clamp(f * x + (1 - f) * reference)`` (reference black, mean grey or the image's own grey), so
one fused blend serves the whole batch at once, with ``f = 1`` (no change) for images whose
step is the hue or who are not jittered; the hue turn then runs on the images whose step it is.
"""

from __future__ import annotations

import torch
from torch import Tensor

from sslcore.augment.color import (
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    luminance,
)
from sslcore.augment.draws import apply_to_rows, coin, uniform

# The adjustments in the column order of jitter_factors (BRIGHTNESS = 0, ..., HUE = 3).
ADJUSTMENTS = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)
CONTRAST, SATURATION, HUE = 1, 2, 3


def jitter_factors(generator: torch.Generator, n: int, strength: float, hue_range: float) -> Tensor:
    """(n, 4) brightness, contrast, saturation factors and hue shift, on the generator's device."""
    low, high = max(0.0, 1.0 - 0.8 * strength), 1.0 + 0.8 * strength
    factors = uniform(generator, (n, 3), low, high)
    hue = uniform(generator, (n, 1), -hue_range, hue_range)
    return torch.cat([factors, hue], dim=1)


def blend_step(x: Tensor, step: Tensor, factors: Tensor) -> Tensor:
    """Brightness, contrast or saturation, whichever ``step`` (N,) names for each image.

    Equals ``ADJUSTMENTS[step[i]](x[i], factors[i, step[i]])`` for steps 0-2 and leaves the
    image unchanged for any other step (hue, or -1 for "no jitter").

    Args:
        x: (N, C, H, W) images in [0, 1].
        step: (N,) int adjustment index per image.
        factors: (N, 4) the images' jitter factors.
    """
    blends = (step >= 0) & (step < HUE)
    if x.shape[1] == 1:  # saturation leaves one-channel images unchanged
        blends &= step != SATURATION
    chosen = factors.gather(1, step.clamp(0, 3).unsqueeze(1)).squeeze(1)
    f = torch.where(blends, chosen, torch.ones_like(chosen))
    f = f.to(device=x.device, dtype=x.dtype).view(-1, 1, 1, 1)
    to_contrast = (blends & (step == CONTRAST)).to(device=x.device, dtype=x.dtype)
    to_saturation = (blends & (step == SATURATION)).to(device=x.device, dtype=x.dtype)
    grey = luminance(x)  # (N, 1, H, W)
    mean_grey = grey.mean(dim=(1, 2, 3), keepdim=True)  # (N, 1, 1, 1)
    # Reference: black for brightness, mean grey for contrast, own grey for saturation.
    reference = grey * to_saturation.view(-1, 1, 1, 1)
    reference.add_(mean_grey * to_contrast.view(-1, 1, 1, 1))
    return (x * f).add_(reference.mul_(1 - f)).clamp_(0.0, 1.0)


def random_color_jitter(
    x: Tensor, generator: torch.Generator, strength: float, prob: float, hue_range: float
) -> Tensor:
    """Jitter the colours of each image of ``x`` (N, C, H, W) with probability ``prob``.

    Args:
        x: float images in [0, 1].
        generator: the source of every random number.
        strength: SimCLR's ``s`` for brightness, contrast and saturation (0 changes nothing,
            1 is the ImageNet setting).
        hue_range: the largest hue turn, as a share of the colour wheel (SimCLR: 0.2 s; 0.5
            makes every colour equally likely, so colour stops telling images apart).
        prob: the chance that an image is jittered at all.

    Returns:
        (N, C, H, W) jittered images.
    """
    n = x.shape[0]
    jittered = coin(generator, n, prob)
    factors = jitter_factors(generator, n, strength, hue_range)
    # (n, 4): order[i] lists the adjustments image i makes, first to last.
    order = torch.argsort(torch.rand(n, 4, generator=generator, device=generator.device), dim=1)
    if not jittered.any():
        return x
    for slot in range(4):
        step = torch.where(jittered, order[:, slot], -1)  # (n,), -1: this image is not jittered
        x = blend_step(x, step, factors)
        if x.shape[1] == 3:  # the hue of one-channel images does not change
            x = apply_to_rows(x, step == HUE, lambda images, rows: _hue(images, factors[rows]))
    return x


def _hue(images: Tensor, factors: Tensor) -> Tensor:
    return adjust_hue(images, factors[:, HUE])
