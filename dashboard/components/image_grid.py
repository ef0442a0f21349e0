"""Image grids that stay crisp on a projector: tiles are enlarged by whole pixels, not blurred.

In projector mode (:func:`dashboard.state.projector`) every tile is at least
:data:`PROJECTOR_TILE` pixels wide, whatever size the page asked for.

Grids are drawn as one mosaic picture (one ``st.image`` call), which keeps a page with dozens of
32x32 images fast to send and keeps the tiles aligned.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import streamlit as st
from PIL import Image

from dashboard import state

GAP = 2  # pixels between tiles, in the enlarged picture
BACKGROUND = 255
PROJECTOR_TILE = 160


def tile_size(target: int) -> int:
    """The tile width to draw: ``target``, or :data:`PROJECTOR_TILE` in projector mode."""
    return max(target, PROJECTOR_TILE) if state.projector() else target


def enlarge(image: np.ndarray, target: int = 96) -> np.ndarray:
    """Repeat pixels so an (H, W, C) uint8 image is about ``target`` pixels wide."""
    factor = max(1, target // max(image.shape[1], 1))
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def as_rgb(images: np.ndarray) -> np.ndarray:
    """(..., H, W, C) or (..., H, W) uint8 as (..., H, W, 3)."""
    if images.ndim >= 3 and images.shape[-1] in (1, 3):
        return images if images.shape[-1] == 3 else np.repeat(images, 3, axis=-1)
    return np.repeat(images[..., None], 3, axis=-1)


def mosaic(tiles: np.ndarray, target: int = 96) -> np.ndarray:
    """Lay out (rows, cols, H, W, C) uint8 tiles as one enlarged picture."""
    rows, cols = tiles.shape[:2]
    sample = enlarge(as_rgb(tiles[0, 0]), target)
    th, tw = sample.shape[:2]
    out = np.full((rows * (th + GAP) - GAP, cols * (tw + GAP) - GAP, 3), BACKGROUND, dtype=np.uint8)
    for r in range(rows):
        for c in range(cols):
            y, x = r * (th + GAP), c * (tw + GAP)
            out[y : y + th, x : x + tw] = enlarge(as_rgb(tiles[r, c]), target)
    return out


def show_grid(
    images: np.ndarray, columns: int = 8, caption: str | None = None, target: int = 96
) -> None:
    """Show (N, H, W, C) images as a grid ``columns`` wide."""
    if len(images) == 0:
        st.info("No images yet.")
        return
    n = len(images)
    rows = -(-n // columns)
    cols = min(columns, n)
    padded = np.full((rows * cols, *images.shape[1:]), BACKGROUND, dtype=np.uint8)
    padded[:n] = images
    tiles = padded.reshape(rows, cols, *images.shape[1:])
    st.image(mosaic(tiles, tile_size(target)), caption=caption)


def show_views(views: np.ndarray, caption: str | None = None, target: int = 96) -> None:
    """Show (N, K, H, W, C) views: one row per image, its K views side by side."""
    st.image(mosaic(views, tile_size(target)), caption=caption)


def png_data_uri(image: np.ndarray, target: int = 64) -> str:
    """An (H, W, C) uint8 image as a ``data:image/png;base64,...`` URI (for hover tooltips)."""
    buffer = io.BytesIO()
    Image.fromarray(enlarge(as_rgb(image), target)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
