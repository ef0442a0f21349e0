"""Jigsaw puzzles: recognise which permutation shuffled an image's tiles."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

from sslcore.backbones.base import Backbone
from sslcore.config import ConfigError, spec
from sslcore.objectives.base import LEARNING_TEST, ImageSpec, Objective, StepOutput, Visual
from sslcore.objectives.fields import ObjectiveParams, gap_field, jitter_field
from sslcore.objectives.pretext_classifier import classifier_head, head_hidden_field, pretext_loss
from sslcore.objectives.tiles import cut_tiles, inverse_permutation, place_tiles


@lru_cache(maxsize=8)
def maximal_permutations(n_tiles: int, count: int) -> Tensor:
    """``count`` permutations of ``n_tiles`` that differ from each other as much as possible.

    Greedy farthest-point selection in Hamming distance (after Noroozi & Favaro's Algorithm 1,
    which maximises the mean distance; the minimum is used here so that no two classes are
    near-duplicates): start from the identity, then repeatedly add the permutation whose
    smallest Hamming distance to those already chosen is largest, ties to the first in
    lexicographic order. Deterministic, so every run and checkpoint share the same classes.

    Returns:
        (count, n_tiles) int64; row k is class k, entry j the tile shown at position j.
    """
    total = math.factorial(n_tiles)
    if not 1 <= count <= total:
        raise ValueError(f"cannot choose {count} permutations of {n_tiles} tiles (1..{total})")
    pool = torch.from_numpy(np.array(list(itertools.permutations(range(n_tiles))), dtype=np.int8))
    chosen = [0]
    min_distance = (pool != pool[0]).sum(1)
    for _ in range(count - 1):
        k = int(min_distance.argmax())
        chosen.append(k)
        min_distance = torch.minimum(min_distance, (pool != pool[k]).sum(1))
    return pool[chosen].long()


class Jigsaw(Objective):
    """Jigsaw puzzles: tell which of P fixed permutations shuffled the tiles of an image.

    The image is cut into a grid of tiles with gaps, the tiles are shuffled by a permutation
    drawn from a fixed set of P maximally different ones, and a head on the backbone's h of the
    shuffled image classifies which permutation it was. Solving it needs knowing what the parts
    of objects look like and how they fit together. Nothing can collapse: the targets are fixed
    class labels; the gaps and per-tile jitter stop the network from solving it by matching
    edges and lines that run across tile borders.

    Design for small images: the paper encodes each tile separately (a siamese "context-free
    network") and concatenates the tile features. At 32×32 a 3×3 tile is ~10 pixels, too small
    for a CNN's pooling stack, and upsampling nine tiles per image costs nine forward passes. So
    the shuffled tiles are put back together into one image of the original size, and the
    backbone sees it in one pass at the resolution at which the representation is evaluated.
    The default is a 2×2 grid with all 24 permutations, which suits 32×32 shapes.

    References:
        [0] Noroozi & Favaro, Unsupervised Learning of Visual Representations by Solving Jigsaw
            Puzzles, 2016, https://arxiv.org/abs/1603.09246
    """

    orders: Tensor  # (P, grid²): class k shows tile orders[k, j] at position j

    name = "jigsaw"
    family = "predictive"
    formula = r"\mathcal{L} = -\log p_\theta\big(\pi \mid \text{tiles}_\pi\big)"
    prevents_collapse = (
        "A classification target: the network must recognise which permutation shuffled the tiles."
    )
    n_views = 1
    default_augment = "weak"
    recipe_measured = f"shape kNN 33.8% → 45.2%, {LEARNING_TEST}"

    @dataclass(frozen=True)
    class Config(ObjectiveParams):
        grid: int = spec(2, "Grid", "Tiles per side (2 or 3).", min=2, max=3)
        permutations: int = spec(
            24,
            "Permutations",
            "Size of the fixed permutation set (the classes); at most 24 for a 2×2 grid.",
            min=2,
            max=1000,
        )
        gap: int = gap_field(3, "tile")
        jitter: bool = jitter_field("tile")
        head_hidden: int = head_hidden_field(256)

    def __init__(self, backbone: Backbone, config: Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        n_tiles = config.grid**2
        if config.permutations > math.factorial(n_tiles):
            raise ConfigError(
                "objective.params.permutations",
                f"{config.permutations} is more than the {math.factorial(n_tiles)} "
                f"permutations of a {config.grid}x{config.grid} grid",
            )
        if config.gap >= image.size // config.grid:
            raise ConfigError(
                "objective.params.gap",
                f"{config.gap} leaves no tile: it must be smaller than the cell "
                f"({image.size // config.grid} pixels)",
            )
        self.register_buffer(
            "orders", maximal_permutations(n_tiles, config.permutations), persistent=False
        )
        self.head = classifier_head(backbone.out_dim, config.head_hidden, config.permutations)

    def shuffle(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Shuffled images (B, C, H, W), their labels (B,), and the tiles (B, n, C, t, t)."""
        g = self.generator
        labels = torch.randint(len(self.orders), (x.shape[0],), generator=g, device=g.device)
        labels = labels.to(x.device)
        tiles = cut_tiles(x, self.config.grid, self.config.gap, self.config.jitter, g)
        shuffled = place_tiles(tiles, self.orders[labels], self.config.grid, x.shape[-1])
        return shuffled, labels, tiles

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        shuffled, labels, _ = self.shuffle(views[0])
        h = self.backbone(shuffled)
        loss, components = pretext_loss(self.head(h), labels, "jigsaw_accuracy")
        return StepOutput(loss, components, embedding=h.detach())

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        """Shuffled puzzles and the tiles put back in the order the network predicts."""
        x = x[:8]
        shuffled, labels, tiles = self.shuffle(x)
        predicted = self.head(self.backbone(shuffled)).argmax(1)
        shown = tiles[torch.arange(len(x))[:, None], self.orders[labels]]  # tiles as shuffled
        solved = place_tiles(
            shown, inverse_permutation(self.orders[predicted]), self.config.grid, x.shape[-1]
        )
        marks = ["✓" if p == t else "✗" for p, t in zip(predicted, labels, strict=True)]
        return {
            "shuffled": Visual(shuffled.clamp(0, 1), [f"permutation {int(t)}" for t in labels]),
            "predicted_order": Visual(
                solved.clamp(0, 1),
                [f"predicted {int(p)} {m}" for p, m in zip(predicted, marks, strict=True)],
            ),
        }
