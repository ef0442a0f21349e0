"""Default recipes: one click (or one flag) from an objective's name to a run that learns.

Each objective class names its augmentation preset (``default_augment``) and a few dotted
overrides (``recipe``) chosen so that it visibly learns on ``shapes`` with the CPU default
backbone within about two minutes on a 2-core laptop.

On real photographs (RGB data without generative factors: CIFAR-10, STL-10, an npz or folder
of photos) the siamese families (contrastive, distillation, redundancy reduction) follow
lightly's CIFAR-10 benchmark instead, the recipe behind its published table: SGD with momentum
0.9, learning rate 0.06 at batch 128, weight decay 5e-4, and its transforms (presets ``photo``
and ``photo_byol``: small hue turn, no blur). Measured on cifar10_dev (BYOL, convnet, 300 steps
of 256; random network 39.1% kNN): the shapes recipe reached 36.3%, lightly's augmentations
39.1%, and with its optimizer too 41.3% (BENCHMARKS.md, "Against lightly"). The shapes recipe
keeps its whole-wheel hue turn and AdamW: there colour is the shortcut the lesson is about.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sslcore.augment import preset
from sslcore.compatibility import objective_modality
from sslcore.config import ConfigError, OptimConfig, RunConfig, from_dict, to_dict
from sslcore.data.catalog import dataset_info
from sslcore.data.modality import modality_named
from sslcore.objectives import OBJECTIVES

PHOTO_FAMILIES = ("contrastive", "distillation", "redundancy")
PHOTO_PRESETS = {"simclr": "photo", "byol": "photo_byol"}
# lightly's CIFAR-10 benchmark optimizer at batch 128 (it scales the rate with batch / 128); a
# short linear warm-up keeps the first SGD steps of a cosine-per-step schedule steady.
PHOTO_RECIPE: dict[str, Any] = {
    "optim.optimizer": "sgd",
    "optim.lr": 0.06,
    "optim.momentum": 0.9,
    "optim.weight_decay": 5e-4,
    "optim.warmup_steps": 10,
    "optim.batch_size": 128,
}


SHAPES_SOURCE = (
    "Tuned in the lab so that the method learns on shapes within about two minutes on a 2-core "
    "CPU (AdamW; BENCHMARKS.md, 'Quality at a fixed budget')."
)
PHOTO_SOURCE = (
    "lightly's CIFAR-10 benchmark (cifar10_benchmark.py, the recipe behind its published "
    "table): SGD 0.06 x batch/128, momentum 0.9, weight decay 5e-4, blur-free transforms; "
    "BENCHMARKS.md, 'Against lightly'."
)


@dataclass(frozen=True)
class RecipeCard:
    """One of an objective's recipes as the Learn page shows it.

    Attributes:
        data: which data it is for.
        source: where it comes from.
        measured: what it reached here (empty when not measured).
        overrides: its dotted settings beyond the defaults, augmentation preset included.
    """

    data: str
    source: str
    measured: str
    overrides: dict[str, Any]


def recipe_cards(objective: str) -> list[RecipeCard]:
    """The recipes of ``objective``: the lab's, and on photographs lightly's when it differs."""
    cls = OBJECTIVES[objective]
    siamese = cls.family in PHOTO_FAMILIES
    measured = [cls.recipe_measured] + ([cls.photo_measured] if not siamese else [])
    cards = [
        RecipeCard(
            "shapes, digits, MNIST (synthetic or grey images)" if siamese else "any data",
            SHAPES_SOURCE,
            "; ".join(m for m in measured if m),
            {"augment.preset": cls.default_augment, **cls.recipe},
        )
    ]
    if siamese:
        preset_name = PHOTO_PRESETS.get(cls.default_augment, cls.default_augment)
        overrides = {"augment.preset": preset_name, **method_overrides(objective, "cifar10")}
        cards.append(RecipeCard("photographs", PHOTO_SOURCE, cls.photo_measured, overrides))
    return cards


def augment_preset_dict(name: str) -> dict[str, Any]:
    return dataclasses.asdict(preset(name))


def dataset_for(objective: str, dataset: str) -> str:
    """``dataset`` if it suits the objective's modality, else the default data of that modality
    (``stdlib_docs`` for the text objectives, the default image set for the others)."""
    wanted = objective_modality(objective)
    return dataset if modality_named(dataset) is wanted else wanted.default_dataset


def is_photographic(dataset: str) -> bool:
    """Whether ``dataset`` holds real photographs: RGB images without generative factors.

    A dataset whose card cannot be read yet (a path still being typed) counts as not
    photographic; validating the config reports the path itself.
    """
    try:
        info = dataset_info(dataset)
    except (ConfigError, OSError, ValueError):
        return False
    return info.channels == 3 and not info.factors


def uses_photo_recipe(objective: str, dataset: str) -> bool:
    return OBJECTIVES[objective].family in PHOTO_FAMILIES and is_photographic(dataset)


def augment_preset_for(objective: str, dataset: str) -> str:
    """The augmentation preset of ``objective``'s recipe on ``dataset``."""
    name = OBJECTIVES[objective].default_augment
    return PHOTO_PRESETS.get(name, name) if uses_photo_recipe(objective, dataset) else name


def method_overrides(objective: str, dataset: str) -> dict[str, Any]:
    """The dotted overrides of ``objective``'s recipe on ``dataset`` (beyond its preset).

    A class's recipe lists only what differs from the default config, yet every recipe sets
    the learning rate and the batch size (the defaults unless it says otherwise): the Setup
    page keeps the rest of the optimizer when the method changes, never the last one's rate.
    """
    cls = OBJECTIVES[objective]
    optim = OptimConfig()
    rate = {"optim.lr": optim.lr, "optim.batch_size": optim.batch_size, **cls.recipe}
    if uses_photo_recipe(objective, dataset):
        return {**rate, **PHOTO_RECIPE, **cls.photo_recipe}
    return rate


def recipe_config(objective: str, base: RunConfig | None = None) -> RunConfig:
    """``base`` (default: the default RunConfig) with ``objective``'s recipe applied.

    The data and run fields of ``base`` are kept (but a text objective on image data gets
    ``stdlib_docs``, and an image objective on text the default images); the objective, its
    augmentation preset, its hyperparameters (reset to the method's defaults) and its recipe
    overrides replace the rest. On real photographs the siamese families get lightly's CIFAR-10
    recipe (see the module docstring).
    """
    if objective not in OBJECTIVES:
        raise ConfigError(
            "objective.name",
            f"{objective!r} is not a known objective: {', '.join(OBJECTIVES)}",
        )
    cls = OBJECTIVES[objective]
    data = to_dict(base or RunConfig())
    data["objective"] = {"name": objective, "params": {}}
    defaults = to_dict(RunConfig())
    dataset = data["data"]["dataset"] = dataset_for(objective, data["data"]["dataset"])
    data["augment"] = augment_preset_dict(augment_preset_for(objective, dataset))
    data["optim"] = defaults["optim"]
    data["backbone"] = defaults["backbone"]
    if cls.compatible_backbones is not None:
        data["backbone"]["name"] = cls.compatible_backbones[0]
    for dotted, value in method_overrides(objective, dataset).items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return from_dict(RunConfig, data)
