"""Image quality figures reported by generative objectives."""

from __future__ import annotations

import math

import torch
from torch import Tensor


def psnr(mse: Tensor, peak: float = 1.0) -> Tensor:
    """Peak signal-to-noise ratio in dB from a mean squared error of images in [0, peak].

    PSNR = 10·log10(peak² / MSE): every halving of the error adds about 3 dB; 20 dB is a blurry
    reconstruction, 30 dB and more looks faithful at a glance.
    """
    return 10.0 * torch.log10(peak**2 / mse.detach().clamp_min(1e-10))


def bits_per_dim(nll_nats: Tensor) -> Tensor:
    """Mean negative log-likelihood per dimension in nats -> bits per dimension (÷ ln 2)."""
    return nll_nats.detach() / math.log(2.0)
