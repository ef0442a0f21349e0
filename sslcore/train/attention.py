"""Where a ViT looks: the class token's last-layer attention, drawn over the probe images.

DINO (Caron et al. 2021, arXiv:2104.14294, Fig. 1) showed that a ViT trained by
self-distillation, without a label, learns a class token whose last-layer attention outlines the
object: each head lights up a part of it, and the background goes dark. A random network's maps
are diffuse. The monitor draws these maps for every run whose backbone has them
(``attention_maps``, :class:`sslcore.backbones.vit.VisionTransformer`), on the same probe images at
every monitor step, so the change is seen as it happens.

Each probe image becomes a row of tiles: the image, the mean map of all heads laid over it, then
each head's map (the first :data:`MAX_HEADS`). A map is upsampled bilinearly to the image,
divided by its largest value (the brightest patch is the one attended to most; an even spread
is bright everywhere), coloured with matplotlib's perceptual ``inferno`` and alpha-blended.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.objectives.base import Visual

# matplotlib's inferno at ten evenly spaced points (black, purple, red, orange, pale yellow):
# brightness rises evenly along it, so a brighter colour always means more attention.
INFERNO = (
    torch.tensor(
        [
            [0x00, 0x00, 0x04],
            [0x1B, 0x0C, 0x41],
            [0x4A, 0x0C, 0x6B],
            [0x78, 0x1C, 0x6D],
            [0xA5, 0x2C, 0x60],
            [0xCF, 0x44, 0x46],
            [0xED, 0x69, 0x25],
            [0xFB, 0x9B, 0x06],
            [0xF7, 0xD1, 0x3D],
            [0xFC, 0xFF, 0xA4],
        ]
    )
    / 255
)
ALPHA = 0.6  # the map's share of each blended pixel
MAX_HEADS = 6  # per-head tiles per image; the mean covers every head


def colormap(values: Tensor) -> Tensor:
    """Values in [0, 1], any shape (...), to inferno colours (..., 3) in [0, 1]."""
    position = values.clamp(0, 1) * (len(INFERNO) - 1)
    low = position.floor().long().clamp(max=len(INFERNO) - 2)
    weight = (position - low).unsqueeze(-1)
    palette = INFERNO.to(values.device)
    return (1 - weight) * palette[low] + weight * palette[low + 1]


def overlay(images: Tensor, maps: Tensor, alpha: float = ALPHA) -> Tensor:
    """Blend attention maps over their images.

    Args:
        images: (N, C, H, W) in [0, 1], C = 1 or 3.
        maps: (N, g, g) non-negative weights (one map per image).
        alpha: the map's share of each pixel.

    Returns:
        (N, 3, H, W) in [0, 1].
    """
    size = images.shape[-2:]
    up = F.interpolate(maps[:, None].float(), size=size, mode="bilinear", align_corners=False)
    up = up / up.amax(dim=(2, 3), keepdim=True).clamp_min(1e-12)  # (N, 1, H, W), max 1
    colours = colormap(up[:, 0]).permute(0, 3, 1, 2)  # (N, 3, H, W)
    return (1 - alpha) * as_rgb(images) + alpha * colours


def as_rgb(images: Tensor) -> Tensor:
    """(N, 1 or 3, H, W) floats -> (N, 3, H, W)."""
    return images.float().expand(-1, 3, -1, -1) if images.shape[1] == 1 else images.float()


def attention_visual(images: Tensor, maps: Tensor) -> Visual:
    """The images and their attention maps, one row of tiles per image.

    Args:
        images: (N, C, H, W) in [0, 1].
        maps: (N, heads, g, g), from ``VisionTransformer.attention_maps``.

    Returns:
        N x (2 + shown heads) tiles, row by row, each captioned with its column: ``image``,
        ``mean of <heads> heads``, ``head 1``, ...
    """
    heads = maps.shape[1]
    shown = min(heads, MAX_HEADS)
    columns = [
        as_rgb(images),
        overlay(images, maps.mean(dim=1)),
        *(overlay(images, maps[:, k]) for k in range(shown)),
    ]
    tiles = torch.stack(columns, dim=1).flatten(0, 1)  # (N * columns, 3, H, W)
    names = ["image", f"mean of {heads} heads", *(f"head {k + 1}" for k in range(shown))]
    return Visual(tiles.clamp(0, 1), names * len(images))


def attention_entropy(maps: Tensor) -> float:
    """Mean entropy (nats) of attention maps (..., g, g): log(g²) for an even spread over the
    patches, 0 for all weight on one patch."""
    p = maps.float().flatten(-2)  # (..., N)
    return float(-(p * p.clamp_min(1e-12).log()).sum(dim=-1).mean())
