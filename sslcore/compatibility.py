"""Cross-field checks of a RunConfig: combinations that each field alone cannot rule out."""

from __future__ import annotations

from sslcore.backbones import check_image_size
from sslcore.config import ConfigError, RunConfig
from sslcore.data.modality import Modality, modality_called, modality_named
from sslcore.objectives import OBJECTIVES


def objective_modality(name: str) -> Modality:
    """What the objective ``name`` learns from: TEXT for mlm, next_token and simcse, else IMAGE."""
    return modality_called(OBJECTIVES[name].modality)


def check_compatible(run: RunConfig) -> None:
    """Raise ConfigError for an objective/backbone pair or image size that cannot work, or for
    text and images mixed (a text objective on images, an image backbone on text)."""
    check_image_size(run.backbone, run.data.image_size)
    name = run.objective.name
    wanted = objective_modality(name)
    data = modality_named(run.data.dataset)
    if data is not wanted:
        raise ConfigError(
            "data.dataset",
            f"{name} works on {wanted.noun}, but {run.data.dataset!r} holds {data.noun}: use "
            f"{wanted.datasets}, or a method for {data.noun}",
        )
    if not wanted.accepts_backbone(run.backbone.name):
        raise ConfigError(
            "backbone.name",
            f"{run.backbone.name} does not suit {name}: it does not read {wanted.noun}",
        )
    allowed = OBJECTIVES[name].compatible_backbones
    if allowed is not None and run.backbone.name not in allowed:
        raise ConfigError(
            "backbone.name",
            f"{name} needs one of these backbones: {', '.join(allowed)} "
            f"(got {run.backbone.name!r})",
        )
