"""A grid of augmented views for the dashboard."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from sslcore.augment.pipeline import build_augmenter
from sslcore.config import AugmentConfig


def preview(images: Tensor, config: AugmentConfig, n_views: int, seed: int) -> np.ndarray:
    """``n_views`` augmented views of each image, as an image grid.

    The same ``seed`` gives the same grid, so a slider change shows the effect of the setting and
    not fresh randomness.

    Args:
        images: (N, C, H, W) uint8, or float in [0, 1]; C = 1 or 3.
        config: the augmentation settings to show.
        n_views: views per image (grid columns).
        seed: seeds the generator of the augmentations.

    Returns:
        (N, n_views, H, W, C) uint8 array: row i holds the views of image i.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        views = build_augmenter(config)(images, n_views, generator)
        grid = torch.stack(views, dim=1)  # (N, V, C, H, W)
        grid = (grid * 255).round_().to(torch.uint8).permute(0, 1, 3, 4, 2)
    return grid.cpu().numpy()
