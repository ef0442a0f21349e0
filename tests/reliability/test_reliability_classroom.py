"""Reliability in a class: every resource a student's run can claim is bounded by the policy.

A student on a shared 2-core server once set ``num_threads=256`` and turned a 3-second run into
51 seconds for everyone. Each knob that costs time or memory (threads, image size, model size,
steps, batch, data and probe sizes, runs at once) has a limit that refuses the run, naming the
setting and the limit, before anything is created.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sslcore.classroom import ClassroomPolicy, LimitError, backbone_parameters, load_policy
from sslcore.config import ConfigError
from sslcore.jobs import JobManager

POLICY = ClassroomPolicy(max_concurrent=1, per_user_runs=1, max_steps=100, max_batch_size=64,
                         max_image_size=32, max_train_size=2000, max_threads=2,
                         max_backbone_params=3_000_000, max_probe_size=256)  # fmt: skip

TOO_MUCH = [
    ("num_threads", {"num_threads": 256}),
    ("num_threads", {"num_threads": 3}),
    ("optim.steps", {"optim.steps": 101}),
    ("optim.batch_size", {"optim.batch_size": 128}),
    ("data.image_size", {"data.image_size": 64}),
    ("data.train_size", {"data.train_size": 4000}),
    ("data.test_size", {"data.test_size": 4000}),
    ("monitor.probe_size", {"monitor.probe_size": 512}),
    ("backbone", {"backbone.name": "resnet18"}),
    ("backbone", {"backbone.width": 256}),
    ("backbone", {"backbone.name": "timm:resnet50"}),
    (
        "backbone",
        {
            "backbone.name": "vit_tiny",
            "objective.name": "simclr",
            "backbone.vit_dim": 384,
            "backbone.vit_heads": 6,
            "backbone.vit_depth": 12,
        },
    ),  # fmt: skip
]


@pytest.mark.parametrize(("field", "changes"), TOO_MUCH, ids=[str(c) for _, c in TOO_MUCH])
def test_a_student_run_above_a_limit_is_refused_before_anything_is_written(
    tmp_path: Path, field: str, changes: dict, tiny_config
) -> None:
    manager = JobManager(tmp_path / "runs", policy=POLICY)
    try:
        with pytest.raises(LimitError) as refused:
            manager.start(tiny_config(**{"data.image_size": 16, **changes}), owner="ada")
        assert refused.value.field == field
        assert "limit" in str(refused.value) and len(str(refused.value)) < 300
        assert list((tmp_path / "runs").iterdir()) == []
    finally:
        manager.shutdown()


def test_the_teacher_and_a_run_within_every_limit_pass(tmp_path: Path, tiny_config) -> None:
    manager = JobManager(tmp_path / "runs", policy=POLICY)
    try:
        big = tiny_config(**{"num_threads": 256, "optim.steps": 2})
        run_id = manager.start(big, owner="teacher", as_teacher=True)
        small = tiny_config(**{"num_threads": 1, "optim.steps": 2, "data.image_size": 16})
        assert manager.wait(run_id, 120)["state"] == "finished"
        assert manager.wait(manager.start(small, owner="ada"), 120)["state"] == "finished"
    finally:
        manager.shutdown()


def test_model_size_is_counted_for_every_family_without_memory(tiny_config) -> None:
    sizes = {
        name: backbone_parameters(tiny_config(objective, **{"backbone.name": name}))
        for name, objective in (
            ("convnet", "simclr"),
            ("resnet18", "simclr"),
            ("mlp", "simclr"),
            ("vit_tiny", "mae"),
        )  # fmt: skip
    }
    assert sizes["resnet18"] == pytest.approx(11.17e6, rel=0.01)
    assert all(0 < n < 12e6 for n in sizes.values())


def test_the_default_limits_fit_the_machine(tiny_config) -> None:
    assert ClassroomPolicy().max_threads == (os.cpu_count() or 1)
    assert ClassroomPolicy().max_backbone_params >= backbone_parameters(tiny_config())


@pytest.mark.parametrize(
    "text",
    [
        "max_steps: &n 5\nmax_batch_size: *n\n",
        "teachers: &t [a, b]\nallowed_backbones: [*t, *t]\n",
        "max_threads: " + "9" * 5000 + "\n",
    ],
)
def test_a_hostile_policy_file_is_one_short_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "class.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as refused:
        load_policy(path)
    assert len(str(refused.value)) < 450
