"""The config checks that need a registry, handed down to :mod:`sslcore.config` in one place.

:mod:`sslcore.config` is the engine's bottom layer and imports no registry, so it cannot tell a
known backbone from a typo, nor fill in an objective's hyperparameters. This module sits above
the registries (data, backbones, objectives, transfer) and registers, once, on its import:

- the names of the ``"backbones"`` and ``"objectives"`` registries, the choices of
  ``backbone.name`` and ``objective.name`` (forms and ``--help`` list them);
- the checks each section runs on construction: a dataset name, a ``timm:<model>`` and an
  ``init_from`` that exist; an objective's ``params`` against its ``Config`` (filled with every
  default); a backbone that suits the objective and the image size (:mod:`sslcore.compatibility`);
  a classroom policy's ``allowed_backbones`` that are all backbones.

So a config is validated whole wherever it is built: ``RunConfig(...)``, :func:`~sslcore.config.
from_dict`, :func:`~sslcore.config.replace`, the CLI, the Setup page, the job manager. Nothing
imports this module but the ``sslcore`` package, which loads it on the first check
(:func:`sslcore.config.set_checks_loader`): the registries need torch, which ``import
sslcore.config`` does not wait for.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sslcore.backbones import BACKBONES, check_backbone_name
from sslcore.classroom_policy import ClassroomPolicy
from sslcore.compatibility import check_compatible
from sslcore.config import (
    BackboneConfig,
    ConfigError,
    DataConfig,
    ObjectiveConfig,
    RunConfig,
    from_dict,
    quote,
    register_check,
    register_names,
)
from sslcore.data import check_dataset_name
from sslcore.objectives import OBJECTIVES
from sslcore.transfer.init_source import check_init_from


def check_backbone(backbone: BackboneConfig) -> None:
    """A ``timm:<model>`` that timm can build, and an ``init_from`` this backbone can take."""
    check_backbone_name(backbone.name)
    check_init_from(backbone.name, backbone.init_from)


def check_method_params(objective: ObjectiveConfig) -> None:
    """Build the objective's own ``Config`` from ``params`` (unknown keys and bad values raise
    on ``objective.params.<key>``), keep it for :meth:`ObjectiveConfig.method_config`, and
    write every hyperparameter back into ``params``, so the saved config is complete."""
    cls = OBJECTIVES[objective.name].Config
    method: Any = from_dict(cls, objective.params, prefix="objective.params.")
    object.__setattr__(objective, "_method_config", method)
    object.__setattr__(objective, "params", dataclasses.asdict(method))


def check_allowed_backbones(policy: ClassroomPolicy) -> None:
    """Every backbone a teacher allows is one that exists."""
    unknown = [b for b in policy.allowed_backbones if b not in BACKBONES]
    if unknown:
        raise ConfigError(
            "classroom.allowed_backbones",
            f"{quote(unknown[0])} is not a backbone; known: {', '.join(BACKBONES)}",
        )


register_names("backbones", lambda: BACKBONES)
register_names("objectives", lambda: OBJECTIVES)
register_check(DataConfig, lambda data: check_dataset_name(data.dataset))
register_check(BackboneConfig, check_backbone)
register_check(ObjectiveConfig, check_method_params)
register_check(RunConfig, check_compatible)
register_check(ClassroomPolicy, check_allowed_backbones)
