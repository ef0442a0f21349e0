"""Cross-field checks of a RunConfig: combinations that each field alone cannot rule out."""

from __future__ import annotations

from sslcore.backbones import check_image_size
from sslcore.config import ConfigError, RunConfig
from sslcore.data.text_dataset import is_text_dataset
from sslcore.objectives import OBJECTIVES

TEXT_BACKBONES = ("text_transformer",)


def objective_modality(name: str) -> str:
    """``"text"`` for the language objectives (mlm, next_token, simcse), else ``"image"``."""
    return OBJECTIVES[name].modality


def check_compatible(run: RunConfig) -> None:
    """Raise ConfigError for an objective/backbone pair or image size that cannot work, or for
    text and images mixed (a text objective on images, an image backbone on text)."""
    check_image_size(run.backbone, run.data.image_size)
    text_objective = objective_modality(run.objective.name) == "text"
    if text_objective and not is_text_dataset(run.data.dataset):
        raise ConfigError(
            "data.dataset",
            f"{run.objective.name} works on text: use stdlib_docs or text:<path>, not "
            f"{run.data.dataset!r}",
        )
    if is_text_dataset(run.data.dataset) and not text_objective:
        raise ConfigError(
            "data.dataset",
            f"{run.data.dataset!r} is text, but {run.objective.name} works on images: pick a "
            "text objective (mlm, next_token or simcse)",
        )
    if (run.backbone.name in TEXT_BACKBONES) != text_objective:
        raise ConfigError(
            "backbone.name",
            f"{run.backbone.name} does not suit {run.objective.name}: text_transformer is for "
            "text datasets and objectives, the other backbones for images",
        )
    objective = OBJECTIVES[run.objective.name]
    allowed = objective.compatible_backbones
    if allowed is not None and run.backbone.name not in allowed:
        raise ConfigError(
            "backbone.name",
            f"{run.objective.name} needs one of these backbones: {', '.join(allowed)} "
            f"(got {run.backbone.name!r})",
        )
