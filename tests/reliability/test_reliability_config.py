"""Reliability: any config a student can type is either a valid run or one clear ConfigError.

Hypothesis starts from a valid config and damages it: one field at a time (every field of every
section, and every objective's own parameters) gets an out-of-range number, a value of the wrong
type, an unknown name, or a key that does not exist; whole sections are replaced by non-mappings.
Whatever comes out, building the config raises nothing but :class:`ConfigError`, and the command
line answers with exit code 2 and one line.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, get_type_hints

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sslcore.cli import main, train_cmd
from sslcore.config import SECTIONS, ConfigError, RunConfig, field_choices, from_dict, to_dict
from sslcore.objectives import OBJECTIVES
from sslcore.recipes import recipe_config

EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _leaf_fields() -> list[tuple[tuple[str, ...], dataclasses.Field, type]]:
    """(path, field, type) of every plain field: sections, top level and objective params."""
    out = []
    for section, cls in SECTIONS.items():
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if hints[f.name] in (int, float, bool, str):
                out.append(((section, f.name), f, hints[f.name]))
    hints = get_type_hints(RunConfig)
    for f in dataclasses.fields(RunConfig):
        if hints[f.name] in (int, float, bool, str):
            out.append(((f.name,), f, hints[f.name]))
    return out


LEAVES = _leaf_fields()
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _bad_value_for(f: dataclasses.Field, kind: type) -> st.SearchStrategy[Any]:
    """Values just outside the field's range, of the wrong type, or unknown names."""
    options = [ANY_VALUE]
    lo, hi = f.metadata.get("min"), f.metadata.get("max")
    if kind in (int, float) and lo is not None:
        options.append(st.sampled_from([lo - 1, lo - 1e-9, -math.inf]).map(_as(kind)))
    if kind in (int, float) and hi is not None:
        options.append(st.sampled_from([hi + 1, hi * 10, math.inf]).map(_as(kind)))
    if kind is str and field_choices(f) is not None:
        options.append(st.text(min_size=1, max_size=10))
    return st.one_of(options)


def _as(kind: type):
    def convert(value: float) -> Any:
        return int(value) if kind is int and math.isfinite(value) else value

    return convert


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _build(data: Any) -> RunConfig | None:
    """The config, or None for a ConfigError; any other exception fails the test."""
    try:
        config = from_dict(RunConfig, data)
    except ConfigError as err:
        assert str(err), "a ConfigError must say what is wrong"
        return None
    assert from_dict(RunConfig, to_dict(config)) == config  # a valid config round-trips
    return config


@st.composite
def damaged_config(draw: st.DrawFn) -> dict[str, Any]:
    objective = draw(st.sampled_from(sorted(OBJECTIVES)))
    data = to_dict(recipe_config(objective))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["field", "param", "unknown_key", "section"]))
        if not all(isinstance(data[section], dict) for section in SECTIONS):
            break  # a whole section was replaced: nothing inside it is left to damage
        if not isinstance(data["objective"].get("params"), dict):
            break  # the params were replaced or removed by an earlier damage
        if kind == "field":
            path, f, ftype = draw(st.sampled_from(LEAVES))
            _set(data, path, draw(_bad_value_for(f, ftype)))
        elif kind == "param":
            params_cls = OBJECTIVES[objective].Config
            hints = get_type_hints(params_cls)
            f = draw(st.sampled_from(dataclasses.fields(params_cls)))
            data["objective"]["params"][f.name] = draw(_bad_value_for(f, hints[f.name]))
        elif kind == "unknown_key":
            section = draw(st.sampled_from([None, *SECTIONS, "objective.params"]))
            key = draw(st.one_of(st.text(max_size=8), st.integers()))
            if section is None:
                data[key] = draw(ANY_VALUE)
            elif section == "objective.params":
                data["objective"]["params"][key] = draw(ANY_VALUE)
            else:
                data[section][key] = draw(ANY_VALUE)
        else:
            data[draw(st.sampled_from(sorted(SECTIONS)))] = draw(ANY_VALUE)
    return data


@EXAMPLES
@given(damaged_config())
def test_any_damaged_config_is_a_config_or_a_config_error(data):
    _build(data)


@settings(max_examples=60, deadline=None)
@given(st.one_of(ANY_VALUE, st.dictionaries(st.text(max_size=6), ANY_VALUE, max_size=4)))
def test_anything_at_all_is_a_config_or_a_config_error(data):
    _build(data)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"objective": {"name": "simclr", "params": [1, 2]}}, "objective.params"),
        ({"objective": {"name": "simclr", "params": "abc"}}, "objective.params"),
        ({1: 2, "x": 3}, "1"),
        ({"backbone": {"name": "convnet"}, "objective": {"name": "mae"}}, "backbone.name"),
        ({"backbone": {"vit_dim": 64, "vit_heads": 5}}, "backbone.vit_dim"),
        ({"augment": {"crop_scale_min": 0.9, "crop_scale_max": 0.5}}, "augment.crop_scale_min"),
    ],
)
def test_cases_hypothesis_found_and_incompatible_combinations_name_the_field(data, field):
    with pytest.raises(ConfigError) as info:
        from_dict(RunConfig, data)
    assert info.value.field == field


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        [".".join(p) for p, _, _ in LEAVES] + ["optim", "nope.x", "data.dataset.x"]
    ),
    text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12),
)
def test_the_cli_answers_bad_settings_with_exit_2_and_one_line(
    tmp_path, capsys, monkeypatch, path, text
):
    # Valid configs would train: stop right before training, after every check has run.
    monkeypatch.setattr(train_cmd, "_run", lambda *args, **kwargs: 0)
    code = main(["train", "--runs-dir", str(tmp_path), "--quiet", "--set", f"{path}={text}"])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("sslcore: error: ")
        assert len(err.strip().splitlines()) == 1
