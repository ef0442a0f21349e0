"""Random Gaussian blur with its own width per image.

SimCLR's rule: the kernel spans 10% of the image side (odd, at least 3 pixels) and each blurred
image draws its own ``sigma`` uniformly from [0.1, 2.0] pixels. On a 32x32 image the kernel is
3x3, so a large sigma gives a box-like blur; on 224x224 it is 23x23, as in SimCLR and BYOL.
The blur is separable (a row pass then a column pass) and every image's kernel is applied in one
grouped convolution (one group per image channel); edges are reflected, as torchvision does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.augment.draws import apply_to_rows, coin, uniform

SIGMA_RANGE = (0.1, 2.0)


def kernel_size(height: int, width: int) -> int:
    """10% of the smaller side, made odd, at least 3."""
    return max(3, int(0.1 * min(height, width)) // 2 * 2 + 1)


def gaussian_kernels(sigma: Tensor, size: int) -> Tensor:
    """(N, size) normalised 1-D Gaussian kernels, one per sigma in ``sigma`` (N,)."""
    radius = size // 2
    offsets = torch.arange(-radius, radius + 1, device=sigma.device, dtype=sigma.dtype)
    weights = torch.exp(-(offsets**2) / (2 * sigma.view(-1, 1) ** 2))
    return weights / weights.sum(dim=1, keepdim=True)


def gaussian_blur(x: Tensor, sigma: Tensor) -> Tensor:
    """Blur each image of ``x`` (N, C, H, W) with its own ``sigma`` (N,) in pixels."""
    n, c, height, width = x.shape
    size = kernel_size(height, width)
    kernels = gaussian_kernels(sigma.to(device=x.device, dtype=x.dtype), size)
    kernels = kernels.repeat_interleave(c, dim=0)  # (N*C, size): one kernel per channel
    radius = size // 2
    flat = x.reshape(1, n * c, height, width)  # channels of all images as groups
    flat = F.pad(flat, (radius, radius, radius, radius), mode="reflect")
    flat = F.conv2d(flat, kernels.view(n * c, 1, 1, size), groups=n * c)  # along rows
    flat = F.conv2d(flat, kernels.view(n * c, 1, size, 1), groups=n * c)  # along columns
    return flat.view(n, c, height, width)


def random_blur(x: Tensor, generator: torch.Generator, prob: float | Tensor) -> Tensor:
    """Blur each image of ``x`` (N, C, H, W) with probability ``prob`` (a number or per image)."""
    n = x.shape[0]
    chosen = coin(generator, n, prob)
    sigma = uniform(generator, (n,), *SIGMA_RANGE)
    return apply_to_rows(x, chosen, lambda images, rows: gaussian_blur(images, sigma[rows]))
