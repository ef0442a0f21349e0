"""The run configuration: round trips, UI metadata, and a table of bad values and messages."""

from __future__ import annotations

import dataclasses

import pytest

from sslcore.config import (
    SECTIONS,
    ConfigError,
    RunConfig,
    from_dict,
    load_config,
    replace,
    save_config,
    to_dict,
)


def test_defaults_are_valid_and_round_trip_through_json_and_yaml(tmp_path):
    config = RunConfig()
    for name in ("c.json", "c.yaml"):
        save_config(config, tmp_path / name)
        assert load_config(tmp_path / name) == config
    assert from_dict(RunConfig, to_dict(config)) == config


def test_every_field_has_a_label_and_help_for_the_ui():
    for section in SECTIONS.values():
        for f in dataclasses.fields(section):
            if f.name == "params":
                continue
            assert f.metadata.get("label") and f.metadata.get("help"), (
                f"{section.__name__}.{f.name}"
            )


def test_objective_params_are_filled_with_the_method_defaults():
    config = replace(RunConfig(), **{"objective.name": "simclr"})
    assert "temperature" in config.objective.params


BAD = [
    ({"optim.batch_size": 0}, "optim.batch_size", "0 is not allowed: an integer from 2 to 4096"),
    ({"optim.lr": -0.1}, "optim.lr", "-0.1 is not allowed: a number from 1e-06 to 10000000"),
    (
        {"optim.steps": 2.5},
        "optim.steps",
        "2.5 is not allowed: an integer from 1 to 1000000 is expected",
    ),
    ({"optim.batch_size": True}, "optim.batch_size", "True is not allowed"),
    (
        {"optim.optimizer": "adam"},
        "optim.optimizer",
        "'adam' is not one of the allowed values: adamw, sgd, lars",
    ),
    ({"data.dataset": "imagenet"}, "data.dataset", "'imagenet' is not a known dataset"),
    ({"data.image_size": 4}, "data.image_size", "4 is not allowed: an integer from 8 to 128"),
    ({"backbone.name": "vgg16"}, "backbone.name", "'vgg16' is not one of the allowed values"),
    ({"objective.name": "magic"}, "objective.name", "'magic' is not one of the allowed values"),
    ({"objective.params": {"temperature": 0}}, "objective.params.temperature", "0"),
    ({"objective.params": {"tempreature": 0.1}}, "objective.params.tempreature", "unknown field"),
    (
        {"augment.crop_scale_min": 0.9, "augment.crop_scale_max": 0.5},
        "augment.crop_scale_min",
        "larger than crop_scale_max",
    ),
    ({"augment.flip_prob": 1.5}, "augment.flip_prob", "1.5 is not allowed: a number from 0 to 1"),
    (
        {"backbone.vit_dim": 100, "backbone.vit_heads": 3},
        "backbone.vit_dim",
        "not divisible by vit_heads",
    ),
    ({"device": "tpu"}, "device", "'tpu' is not one of the allowed values: auto, cpu, cuda, mps"),
    ({"optim.bacth_size": 3}, "optim.bacth_size", "unknown field; known fields:"),
    ({"backbone.name": "vit_tiny", "data.image_size": 30}, "data.image_size", "patch"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD)
def test_bad_values_name_the_field_and_what_is_allowed(changes, field, message):
    with pytest.raises(ConfigError) as info:
        replace(RunConfig(), **changes)
    assert info.value.field == field
    assert message in str(info.value)


def test_an_unreadable_config_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "c.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="c.json is not valid JSON"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.yaml")
