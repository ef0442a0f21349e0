"""Classroom policy: reading the teacher's file, and refusing what students may not run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sslcore.classroom import (
    CLASSROOM_ENV,
    TEACHER_TOKEN_ENV,
    ClassroomPolicy,
    LimitError,
    active_policy,
    check_config,
    load_policy,
    policy_from_dict,
)
from sslcore.config import ConfigError

TOML = """
max_concurrent = 2
per_user_runs = 1
max_steps = 50
max_batch_size = 64
max_image_size = 32
allowed_backbones = ["convnet"]
allowed_data_roots = ["{root}"]
teachers = ["teacher@school.org"]
"""


def test_a_toml_yaml_or_json_file_gives_the_same_policy(tmp_path: Path) -> None:
    toml = tmp_path / "class.toml"
    toml.write_text(TOML.format(root=tmp_path))
    policy = load_policy(toml)
    assert policy.max_concurrent == 2 and policy.allowed_backbones == ("convnet",)
    data = {"max_concurrent": 2, "allowed_backbones": ["convnet"], "max_steps": 50}
    (tmp_path / "class.json").write_text(json.dumps(data))
    (tmp_path / "class.yaml").write_text("max_concurrent: 2\nallowed_backbones: [convnet]\n"
                                         "max_steps: 50\n")  # fmt: skip
    assert load_policy(tmp_path / "class.json") == load_policy(tmp_path / "class.yaml")
    assert load_policy(tmp_path / "class.json").max_steps == 50


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"max_stepz": 3}, "classroom.max_stepz"),
        ({"max_steps": 0}, "classroom.max_steps"),
        ({"max_steps": "many"}, "classroom.max_steps"),
        ({"max_concurrent": True}, "classroom.max_concurrent"),
        ({"allowed_backbones": "convnet"}, "classroom.allowed_backbones"),
        ({"allowed_backbones": ["no_such_net"]}, "classroom.allowed_backbones"),
        ({"teacher_token": "short"}, "classroom.teacher_token"),
        ({"require_login": "yes"}, "classroom.require_login"),
    ],
)
def test_a_bad_setting_names_itself(data: dict, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        policy_from_dict(data)
    assert caught.value.field == field


def test_a_file_that_does_not_parse_or_is_missing_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "class.toml"
    bad.write_text("max_steps = = 3")
    with pytest.raises(ConfigError, match="does not parse"):
        load_policy(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_policy(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"optim.steps": 51}, "optim.steps", "51 is above this class's limit of 50"),
        ({"optim.batch_size": 128}, "optim.batch_size", "limit of 64"),
        ({"data.image_size": 48}, "data.image_size", "limit of 32"),
        ({"data.train_size": 30000}, "data.train_size", "limit of 20000"),
        ({"backbone.name": "resnet18"}, "backbone.name", "allowed: convnet"),
        ({"data.dataset": "folder:/etc"}, "data.dataset", "outside the folders"),
        ({"data.root": "/"}, "data.root", "outside the folders"),
        ({"data.download": True}, "data.download", "downloads are off"),
    ],
)
def test_check_config_names_the_setting_and_the_limit(
    tmp_path: Path, changes: dict, field: str, words: str, tiny_config
) -> None:
    policy = load_policy_text(tmp_path, TOML.format(root=tmp_path))
    config = tiny_config(**{"optim.steps": 10, "optim.batch_size": 16, **changes})
    with pytest.raises(LimitError) as caught:
        check_config(policy, config)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_a_run_within_the_limits_and_roots_passes(tmp_path: Path, tiny_config) -> None:
    policy = load_policy_text(tmp_path, TOML.format(root=tmp_path))
    check_config(policy, tiny_config(**{"optim.steps": 10, "optim.batch_size": 16}))
    check_config(policy, tiny_config(**{"optim.steps": 10, "optim.batch_size": 16,
                                        "data.root": str(tmp_path / "torchvision")}))  # fmt: skip


def test_the_teacher_is_a_listed_login_or_the_secret_token() -> None:
    policy = ClassroomPolicy(teachers=("t@school.org",), teacher_token="x" * 20)
    assert policy.is_teacher(user="t@school.org")
    assert policy.is_teacher(token="x" * 20)
    assert not policy.is_teacher(user="s@school.org", token="x" * 19)
    assert not ClassroomPolicy().is_teacher(token="")
    assert "x" * 20 not in repr(policy)


def test_the_active_policy_follows_the_environment_and_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CLASSROOM_ENV, raising=False)
    assert active_policy() is None
    path = tmp_path / "class.json"
    path.write_text(json.dumps({"max_steps": 50}))
    monkeypatch.setenv(CLASSROOM_ENV, str(path))
    monkeypatch.setenv(TEACHER_TOKEN_ENV, "t" * 24)
    policy = active_policy()
    assert policy is not None and policy.max_steps == 50 and policy.is_teacher(token="t" * 24)
    path.write_text(json.dumps({"max_steps": 70, "teacher_token": "f" * 16}))
    import os

    os.utime(path, (1, 1))  # a new modification time, however fast the test runs
    policy = active_policy()
    assert policy is not None and policy.max_steps == 70
    assert policy.is_teacher(token="f" * 16) and not policy.is_teacher(token="t" * 24)


def load_policy_text(tmp_path: Path, text: str) -> ClassroomPolicy:
    path = tmp_path / "class.toml"
    path.write_text(text)
    return load_policy(path)
