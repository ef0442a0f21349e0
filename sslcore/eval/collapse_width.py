"""The healthy level of the collapse check: 1/√d, from the run's configuration alone.

The trainer logs ``collapse_std``, the std of z/‖z‖ over a training batch averaged over the d
dimensions of the objective's embedding (:func:`sslcore.eval.collapse.std_of_l2_normalized`).
Its d coordinates of a unit vector share a variance of 1 − ‖mean‖² between them, so the figure
can reach at most ≈ 1/√d, which unit vectors spread evenly over the sphere attain, and 0 when
every image lands on the same point. A chart of it therefore needs d to say what "healthy" is:
0.088 for d = 128, 0.0625 for d = 256.

Which embedding that is depends on the objective: the projection z where the loss compares
(SimCLR, BYOL, MoCo, Barlow Twins, VICReg, SimSiam, NNCLR: the projector's ``proj_out_dim``;
DINO: its ``bottleneck_dim``), or else the backbone's own output h (pretext tasks, MAE's class
token, the text objectives), whose width the backbone reports without building any weights
(on the meta device).
"""

from __future__ import annotations

import torch

from sslcore.backbones import build_backbone
from sslcore.config import ConfigError, RunConfig

# Objective Config fields that set the width of the embedding the objective hands the trainer.
PROJECTION_WIDTH_FIELDS = ("proj_out_dim", "bottleneck_dim")
TEXT_VOCABULARY = 256  # any vocabulary will do: it does not change the backbone's width


def collapse_width(config: RunConfig) -> int | None:
    """d, the width of the embedding behind ``collapse_std``; None when it cannot be known.

    None for a backbone that cannot be built here (a ``timm:`` model without timm).
    """
    method = config.objective.method_config()
    for name in PROJECTION_WIDTH_FIELDS:
        if hasattr(method, name):
            return int(getattr(method, name))
    channels = TEXT_VOCABULARY if config.backbone.name == "text_transformer" else 3
    try:
        with torch.device("meta"):
            backbone = build_backbone(config.backbone, channels, config.data.image_size)
    except ConfigError:
        return None
    return int(backbone.out_dim)


def healthy_std(width: int) -> float:
    """1/√d: the collapse check's value for unit vectors spread evenly over d dimensions."""
    return float(width) ** -0.5
