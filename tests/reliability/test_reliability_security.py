"""Security: user-typed names stay inside the runs directory, weights leave as safetensors, and
configuration bounds every resource a run can take.

(``..``, ``/`` and hidden run ids: tests/unit/test_store.py; pickled checkpoints and CIFAR
batches: tests/engine/test_trainer.py, tests/unit/test_data_torchvision.py,
tests/reliability/test_reliability_files.py.)
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import load as safetensors_load

from sslcore.checkpoint import export_safetensors, load_backbone
from sslcore.config import ConfigError, RunConfig, replace
from sslcore.jobs import JobManager
from sslcore.store import RUN_ID_PATTERN, RunStore, list_runs, new_run_id, safe_run_dir


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_run_name_gives_an_id_inside_the_runs_directory(tmp_path_factory, name):
    root = tmp_path_factory.getbasetemp()
    run_id = new_run_id(name)
    assert RUN_ID_PATTERN.match(run_id)
    assert safe_run_dir(root, run_id).parent == root.resolve()
    download = f"{run_id}-backbone.safetensors"  # the dashboard's download file name
    assert "/" not in download and "\\" not in download and not download.startswith(".")


def test_a_symlinked_run_is_neither_listed_nor_opened(tmp_path):
    runs, outside = tmp_path / "runs", tmp_path / "outside"
    secret = RunStore(outside / "secret")
    secret.create({"optim": {"steps": 1}})
    RunStore(runs / "mine").create({"optim": {"steps": 1}})
    (runs / "link").symlink_to(outside / "secret", target_is_directory=True)
    assert [store.run_id for store in list_runs(runs)] == ["mine"]
    with pytest.raises(ValueError, match="outside the runs directory"):
        safe_run_dir(runs, "link")
    manager = JobManager(runs)
    try:
        for bad in ("link", "../outside/secret", str(outside / "secret"), "mine/../../x"):
            with pytest.raises(ValueError):
                manager.status(bad)
            with pytest.raises(ValueError):
                manager.resume_run(bad)
        assert [row["run_id"] for row in manager.list()] == ["mine"]
    finally:
        manager.shutdown()
    assert secret.recorded_status()["state"] == "queued"  # untouched


def test_exported_weights_are_safetensors_equal_to_the_backbone(tmp_path, tiny_config):
    manager = JobManager(tmp_path / "runs", max_concurrent=1)
    try:
        run_id = manager.start(tiny_config(**{"optim.steps": 5}))
        assert manager.wait(run_id, 120)["state"] == "finished"
    finally:
        manager.shutdown()
    blob = export_safetensors(tmp_path / "runs" / run_id)
    assert not blob.startswith(b"\x80")  # not a pickle: an 8-byte header length, then JSON
    tensors = safetensors_load(blob)
    backbone, _ = load_backbone(tmp_path / "runs" / run_id)
    state = backbone.state_dict()
    assert tensors.keys() == state.keys()
    assert all(torch.equal(tensors[k], state[k]) for k in state)


@pytest.mark.parametrize(
    ("field", "too_much"),
    [
        ("optim.batch_size", 4097),
        ("data.image_size", 129),
        ("optim.steps", 1_000_001),
        ("data.train_size", 200_001),
        ("monitor.probe_size", 5001),
        ("num_threads", 257),
        ("backbone.vit_depth", 13),
    ],
)
def test_configuration_bounds_the_resources_of_a_run(field, too_much):
    with pytest.raises(ConfigError) as info:
        replace(RunConfig(), **{field: too_much})
    assert info.value.field == field and "is not allowed" in str(info.value)


def test_at_most_max_concurrent_runs_train_the_rest_wait(tmp_path, tiny_config):
    manager = JobManager(tmp_path / "runs", max_concurrent=1)
    try:
        ids = [manager.start(tiny_config(**{"optim.steps": 5, "seed": s})) for s in range(3)]
        assert [manager.queue_position(i) for i in ids] == [None, 1, 2]
        assert all(manager.wait(i, 120)["state"] == "finished" for i in ids)
    finally:
        manager.shutdown()
