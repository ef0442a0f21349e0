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


def dataset_for(objective: str, dataset: str) -> str:
    """``dataset`` if it suits the objective's modality, else the default data of that modality
    (``stdlib_docs`` for the text objectives, the default image set for the others)."""
    from sslcore.compatibility import objective_modality
    from sslcore.data.text_dataset import is_text_dataset

    text = objective_modality(objective) == "text"
    if text == is_text_dataset(dataset):
        return dataset
    return "stdlib_docs" if text else str(to_dict(RunConfig())["data"]["dataset"])


def recipe_config(objective: str, base: RunConfig | None = None) -> RunConfig:
    """``base`` (default: the default RunConfig) with ``objective``'s recipe applied.

    The data and run fields of ``base`` are kept (but a text objective on image data gets
    ``stdlib_docs``, and an image objective on text the default images); the objective, its
    augmentation preset, its hyperparameters (reset to the method's defaults) and its recipe
    overrides replace the rest.
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
    data["data"]["dataset"] = dataset_for(objective, data["data"]["dataset"])
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
