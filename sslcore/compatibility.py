"""Cross-field checks of a RunConfig: combinations that each field alone cannot rule out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sslcore.config import ConfigError

if TYPE_CHECKING:
    from sslcore.config import RunConfig


def check_compatible(run: RunConfig) -> None:
    """Raise ConfigError for an objective/backbone pair or image size that cannot work."""
    from sslcore.backbones import check_image_size
    from sslcore.objectives import OBJECTIVES

    check_image_size(run.backbone, run.data.image_size)
    objective = OBJECTIVES[run.objective.name]
    allowed = objective.compatible_backbones
    if allowed is not None and run.backbone.name not in allowed:
        raise ConfigError(
            "backbone.name",
            f"{run.objective.name} needs one of these backbones: {', '.join(allowed)} "
            f"(got {run.backbone.name!r})",
        )
