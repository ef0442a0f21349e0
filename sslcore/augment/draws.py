"""Per-image random draws from an explicit generator, and applying an op to chosen rows.

Every random number of an augmentation comes from the ``torch.Generator`` the caller passes, so
a run's augmentations depend on its own seed only (two runs in one process do not disturb each
other, unlike libraries that draw from torch's global generator). Draws are made on the
*generator's* device (a CPU generator, as the trainer passes, gives CPU tensors) and moved to the
images' device afterwards: a CPU generator with the same seed gives the same views whether the
images are on the CPU or a GPU, and choosing rows (``nonzero``) happens on the CPU without a GPU
synchronisation. A generator on the GPU works too (its numbers differ from the CPU's).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor


def uniform(generator: torch.Generator, size: tuple[int, ...], low: float, high: float) -> Tensor:
    """Numbers drawn uniformly from ``[low, high)``, on the generator's device."""
    return low + (high - low) * torch.rand(size, generator=generator, device=generator.device)


def coin(generator: torch.Generator, n: int, p: float | Tensor) -> Tensor:
    """``n`` independent coin flips, True with probability ``p`` (a number or one per row)."""
    if isinstance(p, Tensor):
        p = p.to(generator.device)
    return torch.rand(n, generator=generator, device=generator.device) < p


def apply_to_rows(x: Tensor, chosen: Tensor, op: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    """``x`` with ``op`` applied to the images where ``chosen`` is True; the others untouched.

    Only the chosen images are computed, which matters for the costly ops (blur, hue).

    Args:
        x: (N, C, H, W) images.
        chosen: (N,) bool, on the generator's device.
        op: called as ``op(x[rows], rows)``; ``rows`` (on the generator's device) index the
            per-image parameters the caller drew, so ``op`` can pick the chosen images' ones.

    Returns:
        A new (N, C, H, W) tensor (``x`` itself when nothing is chosen).
    """
    rows = chosen.nonzero().flatten()
    if rows.numel() == 0:
        return x
    if rows.numel() == chosen.numel():
        return op(x, rows)
    rows_on_x = rows.to(x.device)
    return x.index_copy(0, rows_on_x, op(x.index_select(0, rows_on_x), rows))
