"""Cut images into non-overlapping square patches and put them back (ViT and MAE order).

Patches are numbered in raster order (row by row) and flattened as (p, p, C), the layout of
MAE's reference code, so a patch's pixels are contiguous and per-patch statistics are a mean over
the last dimension.
"""

from __future__ import annotations

from torch import Tensor


def patchify(x: Tensor, patch_size: int) -> Tensor:
    """(B, C, H, W) -> (B, N, p·p·C) with N = (H/p)·(W/p) patches in raster order."""
    b, c, h, w = x.shape
    p = patch_size
    if h % p or w % p:
        raise ValueError(f"image size {h}x{w} is not divisible by the patch size {p}")
    x = x.reshape(b, c, h // p, p, w // p, p)
    x = x.permute(0, 2, 4, 3, 5, 1)  # (B, H/p, W/p, p, p, C)
    return x.reshape(b, (h // p) * (w // p), p * p * c)


def unpatchify(patches: Tensor, patch_size: int, channels: int) -> Tensor:
    """(B, N, p·p·C) -> (B, C, H, W), the inverse of :func:`patchify` for square images."""
    b, n, _ = patches.shape
    p = patch_size
    side = int(round(n**0.5))
    if side * side != n:
        raise ValueError(f"{n} patches do not form a square grid")
    x = patches.reshape(b, side, side, p, p, channels)
    x = x.permute(0, 5, 1, 3, 2, 4)  # (B, C, H/p, p, W/p, p)
    return x.reshape(b, channels, side * p, side * p)
