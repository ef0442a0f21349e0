"""Resize image batches to the run's square size."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def center_crop_square(images: Tensor) -> Tensor:
    """The largest centred square of (N, C, H, W) images (unchanged when already square)."""
    h, w = images.shape[-2:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return images[..., top : top + side, left : left + side]


def resize_images(images: Tensor, size: int, chunk: int = 1024) -> Tensor:
    """Resize uint8 (N, C, H, W) images to (N, C, size, size) uint8.

    Non-square images are centre-cropped to a square first, so nothing is stretched. Resizing is
    bilinear with antialiasing: when shrinking (STL-10's 96 px to 32 px) every source pixel
    contributes, instead of the aliasing a plain bilinear sample gives. Work is done in chunks
    so a large set never needs a full float copy in memory.

    Args:
        images: (N, C, H, W) uint8.
        size: the side of the output, in pixels.
        chunk: images resized at a time.
    """
    if images.dtype != torch.uint8 or images.ndim != 4:
        raise ValueError(
            "resize_images expects uint8 (N, C, H, W) images, "
            f"got {images.dtype} {tuple(images.shape)}"
        )
    images = center_crop_square(images)
    if images.shape[-1] == size:
        return images.contiguous()
    out = torch.empty((images.shape[0], images.shape[1], size, size), dtype=torch.uint8)
    for start in range(0, images.shape[0], chunk):
        block = images[start : start + chunk].float()
        block = F.interpolate(
            block, size=(size, size), mode="bilinear", antialias=True, align_corners=False
        )
        out[start : start + chunk] = block.round_().clamp_(0, 255).to(torch.uint8)
    return out
