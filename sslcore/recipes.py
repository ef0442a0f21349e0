"""Default recipes: one click (or one flag) from an objective's name to a run that learns.

Each objective class names its augmentation preset (``default_augment``) and a few dotted
overrides (``recipe``) chosen so that it visibly learns on ``shapes`` with the CPU default
backbone within about two minutes on a 2-core laptop.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sslcore.config import RunConfig, from_dict, to_dict


def augment_preset_dict(name: str) -> dict[str, Any]:
    from sslcore.augment import preset

    return dataclasses.asdict(preset(name))


def recipe_config(objective: str, base: RunConfig | None = None) -> RunConfig:
    """``base`` (default: the default RunConfig) with ``objective``'s recipe applied.

    The data and run fields of ``base`` are kept; the objective, its augmentation preset, its
    hyperparameters (reset to the method's defaults) and its recipe overrides replace the rest.
    """
    from sslcore.objectives import OBJECTIVES

    if objective not in OBJECTIVES:
        from sslcore.config import ConfigError

        raise ConfigError(
            "objective.name",
            f"{objective!r} is not a known objective: {', '.join(OBJECTIVES)}",
        )
    cls = OBJECTIVES[objective]
    data = to_dict(base or RunConfig())
    data["objective"] = {"name": objective, "params": {}}
    data["augment"] = augment_preset_dict(cls.default_augment)
    defaults = to_dict(RunConfig())
    data["optim"] = defaults["optim"]
    data["backbone"] = defaults["backbone"]
    if cls.compatible_backbones is not None:
        data["backbone"]["name"] = cls.compatible_backbones[0]
    for dotted, value in cls.recipe.items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return from_dict(RunConfig, data)
