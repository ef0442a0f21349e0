"""What a run can be, before there is one: the methods, their recipes, the data, the views.

The Setup and Learn pages ask these questions; a notebook can too. Each answer comes from the
engine's registries (objectives, datasets, augmentations, recipes), so a page never holds a copy.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from sslcore.augment import build_augmenter, preset, preview
from sslcore.compatibility import objective_modality
from sslcore.config import AugmentConfig, DataConfig, OptimConfig
from sslcore.data import DATASET_NAMES, load_dataset
from sslcore.data import prefetch as prefetch_dataset
from sslcore.data.modality import TEXT, modality_named
from sslcore.method_card import MethodCard, loss_source, method_card, method_doc, method_names
from sslcore.objectives import OBJECTIVES
from sslcore.optim import warmup_cosine
from sslcore.recipes import (
    RecipeCard,
    augment_preset_for,
    dataset_for,
    method_overrides,
    recipe_cards,
)
from sslcore.transfer.imagenet import imagenet_weights_available
from sslcore.transfer.init_source import IMAGENET_BACKBONES

__all__ = [
    "MethodCard",
    "RecipeCard",
    "augment_preset",
    "augment_preset_for",
    "augmentation_preview",
    "backbone_suits",
    "compatible_backbones",
    "dataset_for",
    "dataset_names",
    "hyperparameters",
    "imagenet_weights",
    "is_text_dataset",
    "lr_schedule",
    "loss_source",
    "method",
    "method_doc",
    "method_names",
    "method_overrides",
    "modality",
    "prefetch_dataset",
    "recipes",
    "sample_documents",
    "sample_images",
    "text_views",
]


def method(name: str) -> MethodCard | None:
    """The card of the objective ``name`` (family, views, papers, formula), None if unknown."""
    return method_card(name) if name in OBJECTIVES else None


def recipes(name: str) -> list[RecipeCard]:
    """The objective's recipes: where each comes from, what it reached here, its settings."""
    return recipe_cards(name)


def modality(name: str) -> str:
    """What the objective ``name`` learns from: ``image`` or ``text``."""
    return objective_modality(name).name


def hyperparameters(name: str) -> type | None:
    """The frozen dataclass of the objective's hyperparameters (``objective.params``), whose
    fields carry their labels, help and ranges; None for an unknown name."""
    cls = OBJECTIVES.get(name)
    return None if cls is None else cls.Config


def compatible_backbones(name: str) -> tuple[str, ...] | None:
    """The backbones the objective works with, the first its default; None: every image one."""
    return OBJECTIVES[name].compatible_backbones


def backbone_suits(objective: str, backbone: str) -> bool:
    """Whether ``backbone`` reads what ``objective`` learns from (images, or token ids)."""
    return objective_modality(objective).accepts_backbone(backbone)


def augment_preset(name: str) -> AugmentConfig:
    """The augmentation settings of preset ``name`` (none, weak, simclr, byol, photo, ...)."""
    return preset(name)


def dataset_names() -> tuple[str, ...]:
    """The built-in datasets, in the picker's order (``folder:``/``npz:``/``text:`` add more)."""
    return tuple(DATASET_NAMES)


def imagenet_weights(backbone: str) -> bool | None:
    """Whether ImageNet weights of ``backbone`` are in the torch cache; None when the backbone
    has none to offer."""
    return imagenet_weights_available(backbone) if backbone in IMAGENET_BACKBONES else None


def sample_images(data: DataConfig, count: int = 16) -> tuple[np.ndarray, list[str]]:
    """The first ``count`` training images (N, H, W, C) uint8 of ``data`` and their class names
    (rendered or read at the run's size; only a small training split is made)."""
    small = dataclasses.replace(data, train_size=max(64, count), test_size=64)
    dataset = load_dataset(small, "train")
    images = dataset.images[:count].permute(0, 2, 3, 1).numpy()
    labels = [] if dataset.labels is None else dataset.labels[:count].tolist()
    return images, [dataset.classes[i] if i < len(dataset.classes) else str(i) for i in labels]


def lr_schedule(optim: OptimConfig, points: int = 200) -> tuple[list[int], list[float]]:
    """The learning rate of each update of a run of ``optim``, at most ``points`` of them:
    linear warm-up to ``optim.lr`` over ``optim.warmup_steps``, then cosine decay towards 0 at
    ``optim.steps`` (:func:`~sslcore.optim.warmup_cosine`, the trainer's schedule)."""
    every = max(1, -(-optim.steps // points))  # rounded up: at most ``points`` (+2) drawn
    wanted = {*range(0, optim.steps, every), optim.warmup_steps - 1, optim.steps - 1}
    steps = sorted(step for step in wanted if 0 <= step < optim.steps)  # warm-up's end included
    factors = [warmup_cosine(step, optim.warmup_steps, optim.steps) for step in steps]
    return steps, [optim.lr * factor for factor in factors]


def sample_documents(data: DataConfig, count: int = 8) -> tuple[list[str], list[str]]:
    """The first ``count`` training documents of a text dataset and their class names."""
    dataset = load_dataset(data, "train")
    labels = [] if dataset.labels is None else dataset.labels[:count].tolist()
    return list(getattr(dataset, "texts", [])[:count]), [dataset.classes[i] for i in labels]


def augmentation_preview(
    images: np.ndarray, augment: AugmentConfig, n_views: int, seed: int
) -> np.ndarray:
    """(N, 1 + K, H, W, C) uint8: each of the (N, H, W, C) ``images`` followed by K augmented
    views of it, made as training makes them (column 0 is the original)."""
    batch = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()  # (N, C, H, W)
    views = preview(batch, augment, n_views, seed)
    return np.concatenate([images[:, None], views], axis=1)


def text_views(
    data: DataConfig, augment: AugmentConfig, seed: int, count: int = 3
) -> list[tuple[str, list[str]]]:
    """A few training documents as the model reads them (their first L tokens), each with the
    two views ``augment`` makes of it."""
    dataset = load_dataset(data, "train")
    ids = dataset.images[:count]  # (count, L) token ids
    views = build_augmenter(augment)(ids, 2, torch.Generator().manual_seed(seed))
    decode = dataset.tokenizer.decode  # type: ignore[attr-defined]
    return [
        (decode(row.tolist()), [decode(v[i].tolist()) for v in views]) for i, row in enumerate(ids)
    ]


def is_text_dataset(name: str) -> bool:
    """Whether ``data.dataset`` names text (``stdlib_docs`` or ``text:<path>``)."""
    return modality_named(name) is TEXT
