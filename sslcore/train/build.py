"""Building a run's model: backbone + objective, seeded, on its device."""

from __future__ import annotations

import threading
from collections.abc import Callable

import torch

from sslcore.backbones import build_backbone
from sslcore.config import RunConfig
from sslcore.objectives import OBJECTIVES, Objective
from sslcore.objectives.base import ImageSpec
from sslcore.transfer.init import InitReport, initialise_backbone

# Weight initialisation draws from torch's global generator. Two runs starting at once in one
# process would interleave their draws; this lock plus fork_rng gives each run exactly the
# weights its seed names, with or without a neighbour.
_INIT_LOCK = threading.Lock()


def build_objective(
    config: RunConfig,
    image: ImageSpec,
    on_init: Callable[[InitReport], None] | None = None,
) -> Objective:
    """The objective (with its backbone) for ``config``, initialised from ``config.seed``.

    The backbone then takes the weights ``backbone.init_from`` names (another run's, ImageNet's)
    before the objective is built around it, so EMA teachers start from them too; ``on_init``
    receives the report of what was loaded from where.
    """
    with _INIT_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        backbone = build_backbone(config.backbone, image.channels, image.size)
        report = initialise_backbone(backbone, config.backbone, download=config.data.download)
        if on_init is not None:
            on_init(report)
        cls = OBJECTIVES[config.objective.name]
        objective = cls(backbone, config.objective.method_config(), image)
    return objective


def uses_channels_last(config: RunConfig) -> bool:
    """channels_last helps convolutions (1.3-1.6x measured on these CPUs), not transformers."""
    name = config.backbone.name
    return config.optim.channels_last and (name == "convnet" or name.startswith("resnet"))


def compile_backbone(objective: Objective, device: torch.device) -> bool:
    """``optim.compile``: compile the backbone in place (its state_dict keys stay the same).

    Only on CUDA, where inductor's kernels pay for the first minute of compiling; elsewhere the
    run goes on uncompiled. True when compiled.
    """
    if device.type != "cuda":
        return False
    objective.backbone.compile()
    return True
