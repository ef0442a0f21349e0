"""Cut an image into a grid of tiles with gaps, and put tiles back in any order.

Jigsaw puzzles and relative-position prediction both work on a grid of tiles. Each tile is
smaller than its grid cell (the *gap*) and sits at a random offset inside it (the *jitter*),
so a network cannot solve the task by continuing lines and textures across tile borders, the
low-level shortcut Doersch et al. (2015) and Noroozi & Favaro (2016) warn about.
"""

from __future__ import annotations

import torch
from torch import Tensor

GAP_FILL = 0.5  # grey between tiles


def cut_tiles(x: Tensor, grid: int, gap: int, jitter: bool, generator: torch.Generator) -> Tensor:
    """Cut a grid×grid of tiles from each image: (B, C, H, W) -> (B, grid², C, t, t).

    Each cell is ``H // grid`` pixels wide; the tile is ``gap`` pixels smaller and sits at a
    random offset inside its cell (per image and tile, drawn from ``generator``) when
    ``jitter``, else centred. The gap
    and the jitter remove the shortcut of matching low-level edges across tile borders.
    """
    b = x.shape[0]
    cell = x.shape[-1] // grid
    side = cell - gap
    batch = torch.arange(b, device=x.device)[:, None, None]
    span = torch.arange(side, device=x.device)
    tiles = []
    for i in range(grid * grid):
        row, col = divmod(i, grid)
        if jitter:
            offset = torch.randint(
                0, gap + 1, (2, b), generator=generator, device=generator.device
            ).to(x.device)
        else:
            offset = torch.full((2, b), gap // 2, device=x.device)
        rows = (row * cell + offset[0])[:, None] + span  # (B, t)
        cols = (col * cell + offset[1])[:, None] + span
        tile = x[batch, :, rows[:, :, None], cols[:, None, :]]  # (B, t, t, C)
        tiles.append(tile.permute(0, 3, 1, 2))
    return torch.stack(tiles, 1)


def place_tiles(tiles: Tensor, order: Tensor, grid: int, size: int) -> Tensor:
    """Assemble an image whose position j shows ``tiles[:, order[:, j]]``.

    Args:
        tiles: (B, grid², C, t, t).
        order: (B, grid²) tile index per position.
        grid: tiles per side.
        size: side of the output image; tiles are centred in cells of ``size // grid``.

    Returns:
        (B, C, size, size), grey between and around the tiles.
    """
    b, n, c, side, _ = tiles.shape
    cell = size // grid
    pad = (cell - side) // 2
    out = tiles.new_full((b, c, size, size), GAP_FILL)
    batch = torch.arange(b, device=tiles.device)
    for j in range(n):
        row, col = divmod(j, grid)
        top, left = row * cell + pad, col * cell + pad
        out[:, :, top : top + side, left : left + side] = tiles[batch, order[:, j]]
    return out


def inverse_permutation(order: Tensor) -> Tensor:
    """The permutation that undoes ``order`` along the last dimension."""
    return torch.argsort(order, dim=-1)
