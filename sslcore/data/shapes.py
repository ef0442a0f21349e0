"""``shapes``: procedural coloured shapes with known generative factors (the default dataset).

Each image shows one of six shapes (circle, square, triangle, star, cross, hexagon) in a random
colour, size, position and angle on a random dark background. Because the factors are known,
the lab can ask what a representation kept: with colour jitter, SimCLR learns the *shape* and
drops the *colour*; without it, the network takes the colour shortcut (DESIGN §8).

Factors recorded per image:

- ``shape`` (categorical, the label) and ``colour`` (categorical: one of six hue bins);
- ``hue`` (continuous, 0-1; it lies in the middle half of its colour bin, so bins never blur);
- ``size`` (circumradius as a share of the image side), ``x``, ``y`` (the shape's centre and
  centroid, as shares of the side, from the top-left corner), ``angle`` (degrees; a shape with
  n-fold symmetry looks the same every 360/n degrees, and a circle at every angle);
- ``background`` (its brightness, 0-1).

Image ``i`` depends only on (seed, split, i): a longer dataset extends a shorter one, and any
image can be regenerated on its own. Rendering is vectorised over the batch with signed distance
functions (see :mod:`sslcore.data.shape_sdf`), so tens of thousands of images take about a second.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from sslcore.data.counter_random import counter_uniform
from sslcore.data.dataset import ImageDataset
from sslcore.data.shape_sdf import EXTENT, SHAPES

SHAPE_NAMES = list(SHAPES)
COLOUR_NAMES = ["red", "yellow", "green", "cyan", "blue", "magenta"]
SATURATION_RANGE = (0.7, 1.0)  # of the shape's paint
VALUE_RANGE = (0.8, 1.0)
SIZE_RANGE = (0.2, 0.35)  # circumradius / image side: 6-11 px at 32x32, easy to recognise
STREAMS = {"train": 0, "test": 1}
CHUNK_PIXELS = 2**20
FACTOR_KINDS = {
    "shape": "categorical",
    "colour": "categorical",
    "hue": "continuous",
    "size": "continuous",
    "x": "continuous",
    "y": "continuous",
    "angle": "continuous",
    "background": "continuous",
}
FACTOR_VALUES = {"shape": SHAPE_NAMES, "colour": COLOUR_NAMES}  # the categorical ones' names


def hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV to RGB, all in [0, 1]: (N,) each -> (N, 3)."""
    k = (np.stack([5.0, 3.0, 1.0])[None, :] + h[:, None] * 6.0) % 6.0
    return v[:, None] - v[:, None] * s[:, None] * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)


def colour_swatches() -> list[str]:
    """Each colour value's paint as ``#rrggbb``, index-aligned with ``COLOUR_NAMES``: the middle
    of its hue bin, saturation and brightness ranges (what :func:`shape_factors` draws around)."""
    n = len(COLOUR_NAMES)
    s, v = np.full(n, np.mean(SATURATION_RANGE)), np.full(n, np.mean(VALUE_RANGE))
    rgb = hsv_to_rgb((np.arange(n) + 0.5) / n, s, v)
    return ["#" + "".join(f"{round(255 * c):02x}" for c in row) for row in rgb]


def shape_factors(seed: int, split: str, index: np.ndarray) -> dict[str, np.ndarray]:
    """Draw every factor of the images at ``index``: arrays of shape (N,).

    Also returns the colours used to paint them: ``rgb`` and ``background_rgb`` (N, 3).
    """
    u = counter_uniform(seed, STREAMS[split], index, 12).T  # (12, N)
    n_shapes, n_colours = len(SHAPE_NAMES), len(COLOUR_NAMES)
    shape = np.minimum((u[0] * n_shapes).astype(np.int64), n_shapes - 1)
    colour = np.minimum((u[1] * n_colours).astype(np.int64), n_colours - 1)
    hue = ((colour + 0.5 + (u[2] - 0.5) * 0.5) / n_colours) % 1.0
    saturation = SATURATION_RANGE[0] + (SATURATION_RANGE[1] - SATURATION_RANGE[0]) * u[3]
    value = VALUE_RANGE[0] + (VALUE_RANGE[1] - VALUE_RANGE[0]) * u[4]
    rgb = hsv_to_rgb(hue, saturation, value)
    size = SIZE_RANGE[0] + (SIZE_RANGE[1] - SIZE_RANGE[0]) * u[5]
    margin = size * EXTENT  # keeps every shape wholly inside the frame
    x = margin + (1 - 2 * margin) * u[6]
    y = margin + (1 - 2 * margin) * u[7]
    angle = 360.0 * u[8]
    background = 0.3 * u[9]
    background_rgb = hsv_to_rgb(u[10], 0.4 * u[11], background)
    return {
        "shape": shape, "colour": colour, "hue": hue, "size": size, "x": x, "y": y,
        "angle": angle, "background": background, "rgb": rgb, "background_rgb": background_rgb,
    }  # fmt: skip


def render_shapes(factors: dict[str, np.ndarray], image_size: int) -> Tensor:
    """Paint shapes from their factors: (N, 3, S, S) uint8 with anti-aliased edges."""
    s = image_size
    n = len(factors["shape"])
    # Render grouped by shape, so each signed distance function runs on a contiguous slice.
    order = np.argsort(factors["shape"], kind="stable")

    def column(name: str) -> Tensor:
        return torch.as_tensor(factors[name][order], dtype=torch.float32).view(n, 1, 1)

    centres = torch.arange(s, dtype=torch.float32) + 0.5  # pixel centres, in pixels
    dx = centres.view(1, 1, s) - column("x") * s  # (N, 1, S)
    dy = centres.view(1, s, 1) - column("y") * s  # (N, S, 1)
    theta = column("angle") * (math.pi / 180.0)
    cos, sin = torch.cos(theta), torch.sin(theta)
    u = cos * dx + sin * dy  # (N, S, S): pixel offsets in the shape's own frame
    v = cos * dy - sin * dx
    r = column("size") * s
    distance = torch.empty(n, s, s)
    counts = np.bincount(factors["shape"], minlength=len(SHAPES))
    start = 0
    for sdf, count in zip(SHAPES.values(), counts.tolist(), strict=True):
        rows = slice(start, start + count)
        if count:
            distance[rows] = sdf(u[rows], v[rows], r[rows])
        start += count
    coverage = (0.5 - distance).clamp_(0.0, 1.0).unsqueeze(1)  # (N, 1, S, S)
    fg = torch.as_tensor(factors["rgb"][order] * 255.0, dtype=torch.float32).view(n, 3, 1, 1)
    bg = torch.as_tensor(factors["background_rgb"][order] * 255.0, dtype=torch.float32)
    bg = bg.view(n, 3, 1, 1)
    painted = torch.addcmul(bg, fg - bg, coverage).round_().to(torch.uint8)
    images = torch.empty_like(painted)
    images[torch.from_numpy(order)] = painted  # back to index order
    return images


def make_shapes(n: int, image_size: int = 32, seed: int = 0, split: str = "train") -> ImageDataset:
    """The first ``n`` images of the ``split`` stream of shapes.

    Args:
        n: number of images.
        image_size: side in pixels (rendered at this size, never resized).
        seed: the dataset seed; train and test draw from different streams of it.
        split: ``"train"`` or ``"test"``.
    """
    if split not in STREAMS:
        raise ValueError(f"split {split!r} is not allowed: use 'train' or 'test'")
    factors = shape_factors(seed, split, np.arange(n))
    images = torch.empty((n, 3, image_size, image_size), dtype=torch.uint8)
    # ~1M pixels per chunk keeps the float canvases in cache (1.8x faster than 4M at 32 px).
    chunk = max(16, CHUNK_PIXELS // image_size**2)
    for start in range(0, n, chunk):
        part = {k: v[start : start + chunk] for k, v in factors.items()}
        images[start : start + chunk] = render_shapes(part, image_size)
    recorded = {
        name: torch.as_tensor(
            factors[name], dtype=torch.int64 if kind == "categorical" else torch.float32
        )
        for name, kind in FACTOR_KINDS.items()
    }
    return ImageDataset(
        name="shapes",
        images=images,
        labels=recorded["shape"].clone(),
        classes=list(SHAPE_NAMES),
        factors=recorded,
        factor_kinds=dict(FACTOR_KINDS),
        factor_classes={name: list(values) for name, values in FACTOR_VALUES.items()},
        factor_colours={"colour": colour_swatches()},
    )
