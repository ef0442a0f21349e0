"""Signed distance functions of the six procedural shapes, evaluated on batched pixel grids.

A signed distance function (SDF) gives, for every point, the distance to the shape's outline:
negative inside, positive outside. Rendering is then one expression for any size, position and
angle, and ``clamp(0.5 - d, 0, 1)`` (``d`` in pixels) is the share of a pixel the shape covers,
which anti-aliases the edges for free. Formulas after Inigo Quilez, "2D distance functions"
(https://iquilezles.org/articles/distfunctions2d/).

Every function takes the coordinates ``u, v`` of pixel centres relative to the shape's centre
(already rotated into the shape's frame), and ``r``, the circumradius: the distance from the
centre to the farthest point (the cross reaches a little further, see ``EXTENT``). All are in
pixels and broadcast together. Every shape is centred on its own centroid.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

SQRT3 = math.sqrt(3.0)
CROSS_ARM = 0.3  # half-thickness of the cross's arms, as a share of r
STAR_INNER = 0.45  # inner radius of the star, as a share of r


def circle(u: Tensor, v: Tensor, r: Tensor) -> Tensor:
    return torch.sqrt(u * u + v * v) - r


def _box(u: Tensor, v: Tensor, half_u: Tensor, half_v: Tensor) -> Tensor:
    qu, qv = u.abs() - half_u, v.abs() - half_v
    outside = torch.sqrt(qu.clamp(min=0) ** 2 + qv.clamp(min=0) ** 2)
    return outside + torch.maximum(qu, qv).clamp(max=0)


def square(u: Tensor, v: Tensor, r: Tensor) -> Tensor:
    half = r / math.sqrt(2.0)
    return _box(u, v, half, half)


def cross(u: Tensor, v: Tensor, r: Tensor) -> Tensor:
    arm = CROSS_ARM * r
    return torch.minimum(_box(u, v, r, arm), _box(u, v, arm, r))


def triangle(u: Tensor, v: Tensor, r: Tensor) -> Tensor:
    """Equilateral triangle; its half side is ``r * sqrt(3) / 2``."""
    half_side = r * (SQRT3 / 2)
    px = u.abs() - half_side
    py = v + half_side / SQRT3
    fold = px + SQRT3 * py > 0  # reflect into the edge's half-plane
    px, py = (
        torch.where(fold, (px - SQRT3 * py) / 2, px),
        torch.where(fold, (-SQRT3 * px - py) / 2, py),
    )
    px = px - torch.maximum(torch.minimum(px, torch.zeros_like(px)), -2 * half_side)
    return -torch.sqrt(px * px + py * py) * torch.sign(py)


def hexagon(u: Tensor, v: Tensor, r: Tensor) -> Tensor:
    """Regular hexagon; its inradius is ``r * sqrt(3) / 2``."""
    kx, ky, kz = -SQRT3 / 2, 0.5, 1 / SQRT3
    inradius = r * (SQRT3 / 2)
    px, py = u.abs(), v.abs()
    dot = (kx * px + ky * py).clamp(max=0)
    px, py = px - 2 * dot * kx, py - 2 * dot * ky
    px = px - torch.maximum(torch.minimum(px, kz * inradius), -kz * inradius)
    py = py - inradius
    return torch.sqrt(px * px + py * py) * torch.sign(py)


def star(u: Tensor, v: Tensor, r: Tensor) -> Tensor:
    """Five-pointed star with outer radius ``r`` and inner radius ``STAR_INNER * r``."""
    k1x, k1y = 0.809016994375, -0.587785252292
    k2x, k2y = -k1x, k1y
    px, py = u.abs(), v
    dot = (k1x * px + k1y * py).clamp(min=0)
    px, py = px - 2 * dot * k1x, py - 2 * dot * k1y
    dot = (k2x * px + k2y * py).clamp(min=0)
    px, py = px - 2 * dot * k2x, py - 2 * dot * k2y
    px = px.abs()
    py = py - r
    bax, bay = STAR_INNER * -k1y, STAR_INNER * k1x - 1.0  # edge direction per unit of r
    h = ((px * bax + py * bay) / (bax * bax + bay * bay)).clamp(min=0)
    h = torch.minimum(h, r)
    dx, dy = px - bax * h, py - bay * h
    return torch.sqrt(dx * dx + dy * dy) * torch.sign(py * bax - px * bay)


SHAPES: dict[str, Callable[[Tensor, Tensor, Tensor], Tensor]] = {
    "circle": circle,
    "square": square,
    "triangle": triangle,
    "star": star,
    "cross": cross,
    "hexagon": hexagon,
}

EXTENT = math.sqrt(1 + CROSS_ARM**2)  # farthest point of any shape, as a multiple of r
