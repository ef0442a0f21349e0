"""Reliability: damaged run directories and foreign checkpoints are read for what they hold.

A run directory may be copied half-way, edited by hand, or cut short by a crash. Readers
(:class:`RunStore`, ``sslcore runs``, the job manager) show every part that is still good and
never crash on the rest; checkpoints that are not ours are refused, never unpickled.
(A torn last metrics line and a pickle payload in last.pt are covered by tests/unit/test_store.py
and tests/engine/test_trainer.py.)
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from sslcore.checkpoint import CheckpointError, export_safetensors, load_backbone
from sslcore.cli import main
from sslcore.jobs import JobManager


@pytest.fixture
def runs(tmp_path):
    return tmp_path / "runs"


@pytest.fixture
def run_dir(runs, new_store, tiny_config):
    """``run_dir(name)``: a tiny run's directory in ``runs``, created and never trained."""
    return lambda name: new_store(runs, tiny_config(), name)


def test_damaged_metrics_and_a_missing_status_still_list(runs, capsys, run_dir):
    store = run_dir("damaged")
    (store.path / "status.json").unlink()
    (store.path / "metrics.jsonl").write_bytes(
        b'{"step": 5, "loss": 2.5}\n'
        b'{"step": 10, "lo\n'  # torn by a crash, then appended after
        b"\xff\xfe not text at all\n"
        b"[1, 2, 3]\n"  # JSON, but not a row
        b'{"step": 15, "loss": "nan?"}\n'  # a hand edit
        b'{"step": 20, "loss": 1.5, "knn_accuracy": 0.5}\n'
        b'{"step": 25, "lo'
    )
    assert [row["step"] for row in store.metrics()] == [5, 15, 20]
    assert store.status() is None

    assert main(["runs", "--runs-dir", str(runs), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["state"] == "unknown" and row["loss"] == 1.5 and row["knn_accuracy"] == 0.5
    assert main(["runs", "--runs-dir", str(runs)]) == 0
    assert "damaged" in capsys.readouterr().out


@pytest.mark.parametrize("status_text", ["[]", '"running"', "{not json", ""])
def test_a_status_that_is_not_an_object_is_treated_as_missing(runs, status_text, run_dir):
    store = run_dir("odd")
    (store.path / "status.json").write_text(status_text)
    assert store.status() is None
    manager = JobManager(runs)  # recovery at start-up reads every status
    try:
        (row,) = manager.list()
        assert row["run_id"] == "odd" and "state" not in row
    finally:
        manager.shutdown()


def test_a_status_with_a_foreign_pid_is_interrupted_not_a_crash(runs, run_dir):
    store = run_dir("pid")
    store.write_status("running", pid="not-a-pid")
    manager = JobManager(runs)
    try:
        assert manager.status("pid")["state"] == "interrupted"
    finally:
        manager.shutdown()


def test_an_unreadable_config_is_never_resumed_with_the_defaults(runs, capsys, run_dir):
    store = run_dir("cut")
    torch.save({"objective": {}, "step": 1}, store.checkpoint_path())
    (store.path / "config.json").write_text('{"data": {"dataset": "sha')
    manager = JobManager(runs)
    try:
        with pytest.raises(ValueError, match="config.json is missing or is not a JSON object"):
            manager.resume_run("cut")
    finally:
        manager.shutdown()
    assert main(["resume", str(store.path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot be resumed" in err[0]


def test_damaged_snapshots_and_embeddings_read_as_absent(runs, run_dir):
    store = run_dir("arrays")
    store.save_snapshot("views", 10, np.zeros((2, 8, 8, 3), np.uint8))
    (store.path / "snapshots" / "views_0000020.npz").write_bytes(b"PK\x03\x04 cut short")
    (store.path / "embeddings" / "step_0000010.npz").write_bytes(b"")
    assert store.load_snapshot("views", 10)["images"].shape == (2, 8, 8, 3)
    assert store.load_snapshot("views") is None  # the latest is damaged: nothing, no crash
    assert store.load_embeddings() is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a safe SSL Lab checkpoint"),
        (b"\x80\x02K\x01.", "not a safe SSL Lab checkpoint"),  # a bare pickle
        (None, "not an SSL Lab checkpoint"),  # a valid torch file, but not ours
    ],
)
def test_foreign_checkpoints_are_refused_by_every_reader(runs, content, message, run_dir):
    store = run_dir("foreign")
    if content is None:
        torch.save({"weights": torch.zeros(3)}, store.checkpoint_path())
    else:
        store.checkpoint_path().write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        load_backbone(store.path)
    with pytest.raises(CheckpointError, match=message):
        export_safetensors(store.path)


def test_a_pickle_payload_in_last_pt_is_refused_at_resume_without_running(runs, tmp_path, run_dir):
    class Payload:
        def __reduce__(self):
            return (exec, (f"open({str(tmp_path / 'pwned')!r}, 'w').close()",))

    store = run_dir("evil")
    torch.save({"objective": Payload(), "step": 1}, store.checkpoint_path())
    store.write_status("stopped")
    manager = JobManager(runs)
    try:
        with pytest.raises(CheckpointError, match="not a safe SSL Lab checkpoint"):
            manager.resume_run("evil")
    finally:
        manager.shutdown()
    assert store.status()["state"] == "stopped"  # refused before anything was written
    assert not (tmp_path / "pwned").exists()
