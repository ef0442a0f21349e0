"""Backbones: a registry of builders, each returning a :class:`Backbone` with ``out_dim``.

A backbone f maps a batch of images in [0, 1] to representations h = f(x), (B, out_dim);
``text_transformer`` maps (B, L) token ids of a text dataset instead. The
objective puts its heads on top of h; kNN, linear probes and the embedding map read h itself.
Adding a family is one file with a builder and a :class:`SizeRule`, plus one line in each dict
below. Besides the named backbones, ``timm:<model>`` builds any model of the timm library
(:mod:`sslcore.backbones.timm_backbone`; an optional dependency).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import torch

from sslcore.backbones.base import Backbone, SizeRule
from sslcore.backbones.convnet import build_convnet, convnet_sizes
from sslcore.backbones.mlp import build_mlp, mlp_sizes
from sslcore.backbones.resnet import build_resnet18, build_resnet34, build_resnet50, resnet_sizes
from sslcore.backbones.text_transformer import build_text_transformer, text_transformer_sizes
from sslcore.backbones.timm_backbone import TIMM_PREFIX, build_timm, check_timm_name, timm_sizes
from sslcore.backbones.vit import build_vit_tiny, vit_sizes
from sslcore.config import BackboneConfig, ConfigError

BackboneBuilder = Callable[[BackboneConfig, int, int], Backbone]

# name -> builder(config, channels, image_size)
BACKBONES: dict[str, BackboneBuilder] = {
    "convnet": build_convnet,
    "resnet18": build_resnet18,
    "resnet34": build_resnet34,
    "resnet50": build_resnet50,
    "vit_tiny": build_vit_tiny,
    "mlp": build_mlp,
    "text_transformer": build_text_transformer,
}

# name -> the image sizes that backbone accepts under a config
SIZE_RULES: dict[str, Callable[[BackboneConfig], SizeRule]] = {
    "convnet": convnet_sizes,
    "resnet18": resnet_sizes,
    "resnet34": resnet_sizes,
    "resnet50": resnet_sizes,
    "vit_tiny": vit_sizes,
    "mlp": mlp_sizes,
    "text_transformer": text_transformer_sizes,
}


def _is_timm(name: str) -> bool:
    return name.startswith(TIMM_PREFIX)


def check_backbone_name(name: str) -> None:
    """Raise ConfigError on ``backbone.name`` for a ``timm:<model>`` that cannot be built (the
    named backbones are checked against :data:`BACKBONES` by the config's choices)."""
    if _is_timm(name):
        check_timm_name(name)


def check_image_size(config: BackboneConfig, image_size: int) -> None:
    """Raise ConfigError on ``data.image_size`` unless the backbone accepts that image size."""
    rule = timm_sizes(config) if _is_timm(config.name) else SIZE_RULES[config.name](config)
    if not rule.accepts(image_size):
        raise ConfigError(
            "data.image_size",
            f"{image_size} does not suit {config.name}, which needs an image size that is "
            f"{rule.describe()} ({rule.reason})",
        )


def build_backbone(config: BackboneConfig, channels: int, image_size: int) -> Backbone:
    """Build the backbone ``config.name`` for images of ``channels`` x ``image_size`` squared.

    Weights start random (seed torch first for reproducible ones). The model works in either
    memory format; whoever trains it decides on ``channels_last``.
    """
    check_image_size(config, image_size)
    if channels < 1:
        raise ValueError(f"channels must be at least 1, got {channels}")
    builder = build_timm if _is_timm(config.name) else BACKBONES[config.name]
    return builder(config, channels, image_size)


def parameter_count(config: BackboneConfig, channels: int, image_size: int) -> int:
    """How many weights ``config``'s backbone has, counted on the meta device: shapes only, so
    no memory, no time and no draw from torch's random generator."""
    with torch.device("meta"):
        model = build_backbone(config, channels, image_size)
    return sum(p.numel() for p in model.parameters())


@lru_cache(maxsize=1)
def _catalogue() -> tuple[tuple[str, str, int, int, str], ...]:
    rows = []
    for name, builder in BACKBONES.items():
        named = dataclasses.replace(BackboneConfig(), name=name)
        with torch.device("meta"):  # shapes only (see parameter_count)
            model = builder(named, 3, 32)
        params = sum(p.numel() for p in model.parameters())
        summary = (inspect.getdoc(builder) or name).splitlines()[0]
        sizes = SIZE_RULES[name](named).describe()
        rows.append((name, summary, params, model.out_dim, sizes))
    return tuple(rows)


def describe_backbones() -> list[dict[str, Any]]:
    """One dict per backbone for the CLI and the UI, measured at 32x32 RGB with default settings.

    Keys: ``name``, ``description`` (one line), ``params`` (parameter count), ``out_dim`` (size
    of h) and ``image_sizes`` (a phrase saying which sizes it accepts).
    """
    keys = ("name", "description", "params", "out_dim", "image_sizes")
    return [dict(zip(keys, row, strict=True)) for row in _catalogue()]


__all__ = [
    "BACKBONES",
    "SIZE_RULES",
    "Backbone",
    "BackboneBuilder",
    "SizeRule",
    "build_backbone",
    "check_backbone_name",
    "check_image_size",
    "describe_backbones",
]
