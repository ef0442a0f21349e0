"""The user's setup as a flat dict of changes, and its round trip through URL query parameters.

A setup is ``{dotted path: value}`` holding only the values that differ from
:class:`~sslcore.config.RunConfig`'s defaults, e.g. ``{"optim.steps": 300,
"objective.params.temperature": 0.2}``. That keeps links short and readable, like TensorFlow
Playground's. The objective's own hyperparameters live under ``objective.params.<name>`` and are
resolved against the chosen objective's ``Config``. Nothing here imports streamlit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, get_type_hints

from sslcore import api
from sslcore.config import SECTIONS, AugmentConfig, ConfigError, RunConfig, from_dict

PARAMS = "objective.params."
RESERVED = ("run", "owner", "teacher")


@dataclasses.dataclass(frozen=True)
class FieldRef:
    """One config field: its dotted path, dataclass field and Python type."""

    dotted: str
    field: dataclasses.Field
    kind: type


def section_fields(cls: type, prefix: str) -> list[FieldRef]:
    """The plain (int, float, bool, str) fields of a config dataclass, with dotted paths."""
    hints = get_type_hints(cls)
    return [
        FieldRef(prefix + f.name, f, hints[f.name])
        for f in dataclasses.fields(cls)
        if hints[f.name] in (int, float, bool, str)
    ]


def objective_name(overrides: Mapping[str, Any]) -> str:
    """The chosen objective's name."""
    return str(overrides.get("objective.name", RunConfig().objective.name))


def all_fields(objective: str) -> dict[str, FieldRef]:
    """Every settable field of a run with ``objective``, by dotted path."""
    refs = section_fields(RunConfig, "")
    for name, cls in SECTIONS.items():
        refs += section_fields(cls, f"{name}.")
    params = api.hyperparameters(objective)
    if params is not None:
        refs += section_fields(params, PARAMS)
    return {ref.dotted: ref for ref in refs}


def default_value(ref: FieldRef) -> Any:
    return ref.field.default


def parse_text(text: str, kind: type) -> Any:
    """A URL string as a value of ``kind``; raises ValueError when it is not one."""
    if kind is bool:
        lowered = text.strip().lower()
        if lowered not in ("true", "false", "1", "0"):
            raise ValueError(f"{text!r} is not true or false")
        return lowered in ("true", "1")
    if kind is int:
        return int(text)
    if kind is float:
        return float(text)
    return text


def format_value(value: Any) -> str:
    """A value as a short URL string (``true``, ``0.002``, ``300``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def params_to_overrides(params: Mapping[str, str | None]) -> tuple[dict[str, Any], list[str]]:
    """Read a setup from URL parameters; unreadable ones are reported, not fatal."""
    objective = params.get("objective.name") or RunConfig().objective.name
    fields = all_fields(objective)
    overrides: dict[str, Any] = {}
    errors: list[str] = []
    for key, text in params.items():
        if key in RESERVED or text is None:
            continue
        ref = fields.get(key)
        if ref is None:
            errors.append(f"{key}: not a setting of this lab (ignored)")
            continue
        try:
            overrides[key] = parse_text(text, ref.kind)
        except ValueError as err:
            errors.append(f"{key}: {err} (ignored)")
    return overrides, errors


def overrides_to_params(overrides: Mapping[str, Any]) -> dict[str, str]:
    return {key: format_value(value) for key, value in sorted(overrides.items())}


def nested(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``{"optim.lr": 1e-3}`` -> ``{"optim": {"lr": 1e-3}}``."""
    out: dict[str, Any] = {}
    for dotted, value in overrides.items():
        node = out
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return out


def build_config(overrides: Mapping[str, Any]) -> RunConfig:
    """The validated RunConfig of a setup; raises ConfigError naming the bad field."""
    return from_dict(RunConfig, nested(overrides))


def with_value(overrides: Mapping[str, Any], ref: FieldRef, value: Any) -> dict[str, Any]:
    """The setup with one field changed; a value equal to the default is dropped.

    Changing the objective drops the old objective's hyperparameters, which the new one
    does not have.
    """
    out = dict(overrides)
    if value == default_value(ref):
        out.pop(ref.dotted, None)
    else:
        out[ref.dotted] = value
    if ref.dotted == "objective.name" and objective_name(overrides) != objective_name(out):
        out = {k: v for k, v in out.items() if not k.startswith(PARAMS)}
    return out


def augment_overrides(preset_name: str) -> dict[str, Any]:
    """The ``augment.*`` changes that select augmentation preset ``preset_name``."""
    chosen = api.augment_preset(preset_name)
    defaults = AugmentConfig()
    return {
        f"augment.{f.name}": getattr(chosen, f.name)
        for f in dataclasses.fields(AugmentConfig)
        if getattr(chosen, f.name) != getattr(defaults, f.name)
    }


def recipe_overrides(name: str, keep: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The setup of objective ``name``'s default recipe: its augmentations and overrides.

    Args:
        name: the objective.
        keep: setup values to carry over where the recipe says nothing (dataset, steps).
    """
    keep = dict(keep or {})
    if api.modality(name) != api.modality(keep.get("objective.name", name)):
        # From text to images or back, only the run-wide settings (seed, device) carry over.
        keep = {k: v for k, v in keep.items() if "." not in k or k.startswith("monitor.")}
    out = {k: v for k, v in keep.items() if not k.startswith(("objective.", "augment."))}
    out["objective.name"] = name
    # A text objective needs text data and a text backbone (and an image one, images).
    dataset = str(out.get("data.dataset", default_value(all_fields(name)["data.dataset"])))
    out["data.dataset"] = api.dataset_for(name, dataset)
    backbone = out.get("backbone.name")
    compatible = api.compatible_backbones(name)
    if compatible is not None and backbone not in compatible:
        out["backbone.name"] = compatible[0]
    elif not api.backbone_suits(name, str(backbone)):
        out.pop("backbone.name")  # text to images: back to the default image backbone
    out.update(augment_overrides(api.augment_preset_for(name, out["data.dataset"])))
    out.update(api.method_overrides(name, out["data.dataset"]))
    fields = all_fields(name)
    return {k: v for k, v in out.items() if k not in fields or v != default_value(fields[k])}


def config_error(overrides: Mapping[str, Any]) -> ConfigError | None:
    """The first ConfigError of a setup, or None when it is valid."""
    try:
        build_config(overrides)
    except ConfigError as err:
        return err
    return None


def section_config(overrides: Mapping[str, Any], name: str) -> Any | None:
    """One section of the setup (``data``, ``augment``...) when it is valid on its own, else
    None: the augmentation preview needs only data and augmentations, not a whole valid run."""
    try:
        return from_dict(SECTIONS[name], nested(overrides).get(name, {}))
    except ConfigError:
        return None


def suggested_fix(overrides: Mapping[str, Any], error: ConfigError) -> tuple[FieldRef, Any] | None:
    """The objective's recipe value for the field ``error`` names, when it differs from the
    setup's: MAE on a convnet gets ``(backbone.name, "vit_tiny")``, MLM on shapes
    ``(data.dataset, "stdlib_docs")``. None when the recipe has nothing else to offer."""
    name = objective_name(overrides)
    ref = all_fields(name).get(error.field)
    if ref is None:
        return None
    recipe = recipe_overrides(name, keep=overrides)
    value = recipe.get(ref.dotted, default_value(ref))
    return (ref, value) if value != overrides.get(ref.dotted, default_value(ref)) else None
