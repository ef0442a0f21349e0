"""Additive Gaussian pixel noise.

The noise tensor is as large as the batch. It is drawn on the generator's device (a CPU
generator gives CPU noise, moved to the images' device afterwards) so a CPU generator gives the
same views on every device; pass a generator on the images' device to skip that copy on a GPU.
"""

from __future__ import annotations

import torch
from torch import Tensor


def add_noise(x: Tensor, generator: torch.Generator, std: float) -> Tensor:
    """``clamp(x + std * N(0, 1), 0, 1)``, fresh noise for every pixel of every image."""
    noise = torch.randn(x.shape, generator=generator, device=generator.device)
    return (x + std * noise.to(device=x.device, dtype=x.dtype)).clamp_(0.0, 1.0)
