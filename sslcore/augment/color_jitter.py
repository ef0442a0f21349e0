"""Random colour jitter: brightness, contrast, saturation and hue, per image, in random order.

SimCLR's recipe with strength ``s``: brightness, contrast and saturation factors are drawn
uniformly from ``[max(0, 1 - 0.8 s), 1 + 0.8 s]`` and the hue shift from ``[-0.2 s, 0.2 s]``
turns, all applied with probability ``p``. Like torchvision's ``ColorJitter`` (which lightly
and solo-learn use), the four adjustments run in a random order; here every image draws its own
order as well as its own factors. Each adjustment clamps to [0, 1], as torchvision's do.

To stay batched, the jittered images are sorted by their order (24 possible), and each group of
images sharing an order goes through the four adjustments as one slice of the batch.
"""

from __future__ import annotations

import torch
from torch import Tensor

from sslcore.augment.color import adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation
from sslcore.augment.draws import coin, uniform

ADJUSTMENTS = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)


def jitter_factors(generator: torch.Generator, n: int, strength: float) -> Tensor:
    """(n, 4) brightness, contrast, saturation factors and hue shift, on the generator's device."""
    low, high = max(0.0, 1.0 - 0.8 * strength), 1.0 + 0.8 * strength
    factors = uniform(generator, (n, 3), low, high)
    hue = uniform(generator, (n, 1), -0.2 * strength, 0.2 * strength)
    return torch.cat([factors, hue], dim=1)


def random_color_jitter(
    x: Tensor, generator: torch.Generator, strength: float, prob: float
) -> Tensor:
    """Jitter the colours of each image of ``x`` (N, C, H, W) with probability ``prob``.

    Args:
        x: float images in [0, 1].
        generator: the source of every random number.
        strength: SimCLR's ``s`` (0 changes nothing, 1 is the ImageNet setting).
        prob: the chance that an image is jittered at all.

    Returns:
        (N, C, H, W) jittered images.
    """
    n = x.shape[0]
    jittered = coin(generator, n, prob)
    factors = jitter_factors(generator, n, strength)
    # (n, 4): order[i] lists the adjustments image i applies, first to last.
    order = torch.argsort(torch.rand(n, 4, generator=generator, device=generator.device), dim=1)
    rows = jittered.nonzero().flatten()
    if rows.numel() == 0:
        return x
    order_code = order[rows] @ torch.tensor([64, 16, 4, 1], device=order.device)
    order_code, by_order = order_code.sort(stable=True)
    rows = rows[by_order]
    _, group_sizes = torch.unique_consecutive(order_code, return_counts=True)
    rows_on_x = rows.to(x.device)
    chosen = x.index_select(0, rows_on_x)  # (M, C, H, W), grouped by order
    chosen_factors = factors[rows].to(x.device)  # (M, 4)
    jittered_groups, start = [], 0
    for size in group_sizes.tolist():
        group = chosen[start : start + size]
        for which in order[rows[start]].tolist():
            group = ADJUSTMENTS[which](group, chosen_factors[start : start + size, which])
        jittered_groups.append(group)
        start += size
    return x.index_copy(0, rows_on_x, torch.cat(jittered_groups))
