"""Context prediction: where does this patch sit relative to the centre patch?"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.backbones.base import Backbone
from sslcore.config import ConfigError
from sslcore.objectives.base import LEARNING_TEST, ImageSpec, Objective, StepOutput, Visual
from sslcore.objectives.fields import ObjectiveParams, gap_field, jitter_field
from sslcore.objectives.pretext_classifier import classifier_head, head_hidden_field, pretext_loss
from sslcore.objectives.tiles import cut_tiles

GRID = 3
CENTRE = 4  # index of the middle cell of the 3×3 grid, in raster order
NEIGHBOURS = (0, 1, 2, 3, 5, 6, 7, 8)  # class k is the cell NEIGHBOURS[k]
POSITION_NAMES = (
    "top-left",
    "top",
    "top-right",
    "left",
    "right",
    "bottom-left",
    "bottom",
    "bottom-right",
)


def sample_pairs(
    x: Tensor, gap: int, jitter: bool, generator: torch.Generator
) -> tuple[Tensor, Tensor, Tensor]:
    """The centre patch, one random neighbour per image, and its class.

    Returns:
        centre (B, C, t, t), neighbour (B, C, t, t), labels (B,) in 0..7 indexing
        :data:`NEIGHBOURS` (the paper's k ∈ {1..8}, counted from zero).
    """
    tiles = cut_tiles(x, GRID, gap, jitter, generator)  # (B, 9, C, t, t)
    labels = torch.randint(
        len(NEIGHBOURS), (x.shape[0],), generator=generator, device=generator.device
    ).to(x.device)
    cells = torch.tensor(NEIGHBOURS, device=x.device)[labels]
    batch = torch.arange(x.shape[0], device=x.device)
    return tiles[:, CENTRE], tiles[batch, cells], labels


class RelativePosition(Objective):
    """Context prediction: from a centre patch and one of its 8 neighbours, say which neighbour.

    The image is divided into a 3×3 grid; the centre patch and one neighbouring patch are cut
    out, each is encoded by the backbone on its own, and a head on concat(f(centre),
    f(neighbour)) classifies the neighbour's position (8 classes). Knowing that a patch is
    "above" another needs a notion of what parts of objects look like (the top of a triangle,
    the edge of a disc). Nothing can collapse: the targets are fixed classes; patches are
    smaller than their cells (the gap) and shifted at random (the jitter) so that continuing a
    line across the border does not reveal the answer.

    Patches are resized up to the full image size before the backbone sees them, so the
    backbone works at the resolution at which the representation is evaluated (and a ViT,
    built for one size, accepts them).

    References:
        [0] Doersch, Gupta & Efros, Unsupervised Visual Representation Learning by Context
            Prediction, 2015, https://arxiv.org/abs/1505.05192
    """

    name = "relative_position"
    family = "predictive"
    formula = (
        r"\mathcal{L} = -\log p_\theta\big(k \mid f(\text{centre}), f(\text{neighbour}_k)\big),"
        r"\quad k \in \{1, \dots, 8\}"
    )
    prevents_collapse = "A classification target: where is the second patch relative to the first?"
    n_views = 1
    default_augment = "weak"
    recipe_measured = f"shape kNN 33.8% → 45.0%, {LEARNING_TEST}"

    @dataclass(frozen=True)
    class Config(ObjectiveParams):
        gap: int = gap_field(2, "patch")
        jitter: bool = jitter_field("patch")
        head_hidden: int = head_hidden_field(512)

    def __init__(self, backbone: Backbone, config: Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        if config.gap >= image.size // GRID - 1:
            raise ConfigError(
                "objective.params.gap",
                f"{config.gap} leaves a patch under 2 pixels: the {image.size}-pixel image has "
                f"{image.size // GRID}-pixel cells",
            )
        self.head = classifier_head(2 * backbone.out_dim, config.head_hidden, len(NEIGHBOURS))

    def _pairs(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        return sample_pairs(x, self.config.gap, self.config.jitter, self.generator)

    def _encode_patches(self, patches: Tensor) -> Tensor:
        size = self.image.size
        return self.backbone(F.interpolate(patches, size=(size, size), mode="bilinear"))

    def _logits(self, centre: Tensor, neighbour: Tensor) -> tuple[Tensor, Tensor]:
        h = self._encode_patches(torch.cat([centre, neighbour]))  # (2B, d)
        h_centre, h_neighbour = h.chunk(2)
        return self.head(torch.cat([h_centre, h_neighbour], dim=1)), h_centre

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        centre, neighbour, labels = self._pairs(views[0])
        logits, h_centre = self._logits(centre, neighbour)
        loss, components = pretext_loss(logits, labels, "position_accuracy")
        return StepOutput(loss, components, embedding=h_centre.detach())

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        """Pairs of (centre, neighbour) patches with the true and predicted position."""
        centre, neighbour, labels = self._pairs(x[:6])
        predicted = self._logits(centre, neighbour)[0].argmax(1)
        images = torch.stack([centre, neighbour], 1).flatten(0, 1)  # (2n, C, t, t) interleaved
        captions = []
        for t, p in zip(labels.tolist(), predicted.tolist(), strict=True):
            captions += ["centre", f"true {POSITION_NAMES[t]}, predicted {POSITION_NAMES[p]}"]
        return {"pairs": Visual(images.clamp(0, 1), captions)}
