"""A form built from config dataclass metadata: a new field or objective needs no page edit.

Each field's metadata (label, help, min, max, choices, step, log; see
:func:`sslcore.config.spec`) picks its widget: a toggle for booleans, a select box for choices,
a slider for short bounded ranges, a log-scale slider for learning rates, a number box
otherwise. A validation error is shown right under the field it names, with the allowed
range; a number box takes any number, so a typed value out of range gets that message too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from dashboard import setup_url, state
from sslcore import api
from sslcore.config import AugmentConfig, ConfigError, DataConfig, field_choices

MAX_SLIDER_STOPS = 200


def log_grid(lo: float, hi: float, current: float) -> list[float]:
    """1-2-5 steps between ``lo`` and ``hi`` (kept near everyday values), plus ``current``."""
    lo_exp = math.floor(math.log10(max(lo, 1e-6)))
    hi_exp = math.ceil(math.log10(min(hi, 10.0)))
    stops = [m * 10.0**e for e in range(lo_exp, hi_exp + 1) for m in (1.0, 2.0, 5.0)]
    grid = {float(f"{s:.6g}") for s in stops if lo <= s <= hi}
    if lo == 0.0:
        grid.add(0.0)
    grid.add(float(current))
    return sorted(grid)


def field_widget(ref: setup_url.FieldRef, key: str) -> Any:
    """Draw the widget for one field (its value already in ``st.session_state[key]``)."""
    meta = ref.field.metadata
    label, help_text = meta.get("label", ref.dotted), meta.get("help")
    lo, hi, step = meta.get("min"), meta.get("max"), meta.get("step")
    if ref.kind is bool:
        return st.toggle(label, key=key, help=help_text)
    choices = field_choices(ref.field)
    if ref.kind is str and choices:
        if st.session_state[key] not in choices:
            choices = [st.session_state[key], *choices]
        return st.selectbox(label, choices, key=key, help=help_text)
    if ref.kind is str:
        return st.text_input(label, key=key, help=help_text)
    if ref.kind is float and meta.get("log") and lo is not None and hi is not None:
        grid = log_grid(lo, hi, st.session_state[key])
        return st.select_slider(label, grid, key=key, help=help_text, format_func=_short)
    bounded = lo is not None and hi is not None and step
    if bounded and (hi - lo) / step <= MAX_SLIDER_STOPS:
        kind = ref.kind
        return st.slider(label, kind(lo), kind(hi), step=kind(step), key=key, help=help_text)
    kind = ref.kind
    # No min_value / max_value: the browser would refuse an out-of-range number silently (a red
    # border, the old value kept); passed through, it gets the validation's message instead.
    return st.number_input(
        label,
        step=kind(step) if step else (1 if kind is int else None),
        format=None if kind is int else "%g",
        key=key,
        help=help_text,
    )


def _short(value: float) -> str:
    return f"{value:g}"


def render_fields(
    refs: Iterable[setup_url.FieldRef],
    overrides: Mapping[str, Any],
    error: ConfigError | None,
) -> dict[str, Any]:
    """Draw ``refs`` and return the setup with the values the user chose.

    Args:
        refs: the fields to draw, in order.
        overrides: the current setup (dotted path -> changed value).
        error: the setup's validation error; shown under the field it names.
    """
    out = dict(overrides)
    for ref in refs:
        key = state.form_key(ref.dotted)
        if key not in st.session_state:
            st.session_state[key] = out.get(ref.dotted, setup_url.default_value(ref))
        value = field_widget(ref, key)
        out = setup_url.with_value(out, ref, value)
        if error is not None and error.field == ref.dotted:
            st.error(error.reason, icon=":material/error:")
    return out


def _forget_widgets(prefix: str) -> None:
    for key in [k for k in st.session_state if str(k).startswith(state.form_key(prefix))]:
        del st.session_state[key]


def absorb_widgets(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Fold the form widgets' latest values into the setup before anything is drawn.

    The setup is then current when it is validated, so an error shows on the same rerun as
    the change that caused it. Two changes carry more with them: a new objective drops the
    old one's hyperparameters and brings its recipe's augmentations (see
    :func:`follow_recipe_augmentations`), and a new augmentation preset loads all its values
    (editing any augmentation by hand turns the preset into ``custom``).
    """
    out = dict(overrides)
    name_key = state.form_key("objective.name")
    if name_key in st.session_state:
        before = setup_url.objective_name(out)
        out = setup_url.with_value(
            out, setup_url.all_fields(before)["objective.name"], st.session_state[name_key]
        )
        if setup_url.objective_name(out) != before:
            _forget_widgets(setup_url.PARAMS)
            out = follow_recipe_augmentations(out, before)
    fields = setup_url.all_fields(setup_url.objective_name(out))
    preset_key = state.form_key("augment.preset")
    current_preset = out.get("augment.preset", setup_url.default_value(fields["augment.preset"]))
    if preset_key in st.session_state and st.session_state[preset_key] != current_preset:
        chosen = st.session_state[preset_key]
        out = {k: v for k, v in out.items() if not k.startswith("augment.")}
        if chosen != "custom":
            out.update(setup_url.augment_overrides(chosen))
        out = setup_url.with_value(out, fields["augment.preset"], chosen)
        _forget_widgets("augment.")
        return _absorb_plain(out, fields)
    absorbed = _absorb_plain(out, fields)
    edited = any(
        k.startswith("augment.") and k != "augment.preset" and absorbed.get(k) != out.get(k)
        for k in set(absorbed) | set(out)
    )
    if edited:
        absorbed = setup_url.with_value(absorbed, fields["augment.preset"], "custom")
        st.session_state[preset_key] = "custom"
    return absorbed


def follow_recipe_augmentations(overrides: dict[str, Any], before: str) -> dict[str, Any]:
    """After the objective changed from ``before``: its recipe's augmentation preset, when the
    setup still had the old objective's; a preset the user picked or values edited by hand
    (``custom``) stay, since they are the experiment (the colour-shortcut lesson turns colour
    jitter off on purpose)."""
    dataset = str(overrides.get("data.dataset", DataConfig().dataset))
    preset = overrides.get("augment.preset", AugmentConfig().preset)
    if preset != api.augment_preset_for(before, dataset):
        return overrides
    out = {k: v for k, v in overrides.items() if not k.startswith("augment.")}
    out.update(
        setup_url.augment_overrides(api.augment_preset_for(setup_url.objective_name(out), dataset))
    )
    _forget_widgets("augment.")
    return out


def _absorb_plain(out: dict[str, Any], fields: Mapping[str, setup_url.FieldRef]) -> dict[str, Any]:
    for key in [k for k in st.session_state if str(k).startswith(state.FORM_PREFIX)]:
        ref = fields.get(str(key).removeprefix(state.FORM_PREFIX))
        if ref is not None and ref.dotted != "objective.name":
            out = setup_url.with_value(out, ref, st.session_state[key])
    return out
