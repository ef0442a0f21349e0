"""Reliability: a killed process, a crashing objective, no memory, no disk — nothing is lost.

Each test injects one fault into a tiny run and checks what a student finds afterwards: the
run's state says what happened (``interrupted`` or ``failed`` with advice), every file of the
run directory still parses, the last good checkpoint is intact, and training continues from it.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sslcore.checkpoint import load_checkpoint
from sslcore.config import RunConfig, save_config
from sslcore.jobs import JobManager
from sslcore.objectives import OBJECTIVES
from sslcore.store import RunStore, read_jsonl
from sslcore.train.failures import describe_failure

REPO = Path(__file__).resolve().parents[2]


def assert_every_file_parses(store: RunStore) -> None:
    """config/status are whole JSON; every JSONL line but a torn last one is JSON; arrays load."""
    json.loads((store.path / "config.json").read_text())
    json.loads((store.path / "status.json").read_text())
    for name in ("metrics.jsonl", "events.jsonl"):
        lines = (store.path / name).read_text().splitlines()
        for line in lines[:-1]:
            json.loads(line)
    for archive in store.path.rglob("*.npz"):
        with np.load(archive) as data:
            assert data.files
    load_checkpoint(store.checkpoint_path())
    assert not list(store.path.rglob(".*.tmp")), "no temporary file is left behind"


def fail_at_step(objective_name: str, step: int, error: BaseException, monkeypatch) -> None:
    """Make ``objective_name``'s forward raise ``error`` at its ``step``-th call (1-based)."""
    cls = OBJECTIVES[objective_name]
    original = cls.forward
    calls: dict[int, int] = {}

    def forward(self, views):
        calls[id(self)] = calls.get(id(self), 0) + 1
        if calls[id(self)] == step:
            raise error
        return original(self, views)

    monkeypatch.setattr(cls, "forward", forward)


@pytest.fixture
def manager(tmp_path):
    mgr = JobManager(tmp_path / "runs", max_concurrent=2)
    yield mgr
    mgr.shutdown()


def test_sigkill_mid_training_leaves_an_interrupted_run_that_resumes(
    tmp_path, tiny_config, wait_until
):
    runs = tmp_path / "runs"
    config_file = tmp_path / "tiny.json"
    save_config(tiny_config(**{"optim.steps": 100_000, "monitor.checkpoint_every": 5}), config_file)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "sslcore", "train", "--config", str(config_file)]
    process = subprocess.Popen(
        [*command, "--runs-dir", str(runs), "--quiet"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: any(runs.glob("*/checkpoints/last.pt")), timeout=180)
        store = RunStore(next(runs.iterdir()))
        assert wait_until(lambda: (store.status() or {}).get("step", 0) >= 10)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    assert store.recorded_status()["state"] == "running"  # what the dead process left
    assert store.status()["state"] == "interrupted"  # what every viewer reads: no writer

    manager = JobManager(runs, max_concurrent=1)
    try:
        assert manager.status(store.run_id)["state"] == "interrupted"
        assert_every_file_parses(store)
        saved = int(load_checkpoint(store.checkpoint_path())["step"])
        manager.resume_run(store.run_id, steps=saved + 10)
        assert manager.wait(store.run_id, 120)["state"] == "finished"
    finally:
        manager.shutdown()
    assert store.status()["step"] == saved + 10
    assert any(e["message"] == f"resumed from step {saved}" for e in store.events())
    assert_every_file_parses(store)


def test_a_checkpoint_write_cut_short_by_a_full_disk_keeps_the_last_good_one(
    manager, monkeypatch, tiny_config
):
    real_save = torch.save
    calls = []

    def save_then_fill_the_disk(obj, handle, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second checkpoint: half written, then the disk is full
            handle.write(b"PK\x03\x04" + b"\0" * 4096)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, handle, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save_then_fill_the_disk)
    run_id = manager.start(tiny_config())
    status = manager.wait(run_id, 120)
    assert status["state"] == "failed"
    assert "the disk is full" in status["message"] and "resume" in status["message"]
    store = RunStore(manager.runs_dir / run_id)
    assert load_checkpoint(store.checkpoint_path())["step"] == 10
    assert_every_file_parses(store)


def test_a_kill_while_writing_a_checkpoint_leaves_the_previous_one_and_resumes(
    tmp_path, monkeypatch, tiny_config
):
    runs = tmp_path / "runs"
    first = JobManager(runs, max_concurrent=1)
    run_id = first.start(tiny_config(**{"optim.steps": 10}))
    assert first.wait(run_id, 120)["state"] == "finished"
    first.shutdown()
    store = RunStore(runs / run_id)
    good = store.checkpoint_path().read_bytes()
    # What SIGKILL during save_checkpoint leaves: a half temporary file beside last.pt, and a
    # status that still says running, written by a process that no longer exists.
    torn = store.checkpoint_path().with_name(".last.pt.k1ll3d.tmp")
    torn.write_bytes(good[: len(good) // 2])
    store.write_status("running", step=15, pid=2**22 + 4321)

    second = JobManager(runs, max_concurrent=1)
    try:
        assert second.status(run_id)["state"] == "interrupted"
        assert store.checkpoint_path().read_bytes() == good
        assert not torn.exists()
        second.resume_run(run_id, steps=20)
        assert second.wait(run_id, 120)["state"] == "finished"
    finally:
        second.shutdown()
    assert load_checkpoint(store.checkpoint_path())["step"] == 20


def test_an_objective_that_raises_fails_its_run_and_the_other_run_continues(
    manager, monkeypatch, tiny_config
):
    fail_at_step("simclr", 3, ValueError("projection went wrong at step 3"), monkeypatch)
    broken = manager.start(tiny_config("simclr"))
    healthy = manager.start(tiny_config("rotation"))
    status = manager.wait(broken, 120)
    assert status["state"] == "failed"
    assert status["message"] == "ValueError: projection went wrong at step 3"
    assert manager.wait(healthy, 120)["state"] == "finished"
    errors = [e for e in RunStore(manager.runs_dir / broken).events() if e["level"] == "error"]
    assert errors and "projection went wrong" in errors[-1]["message"]
    # The manager still takes new runs.
    again = manager.start(tiny_config("rotation", **{"optim.steps": 5}))
    assert manager.wait(again, 120)["state"] == "finished"


def test_out_of_memory_fails_the_run_with_advice(manager, monkeypatch, tiny_config):
    oom = torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    fail_at_step("simclr", 2, oom, monkeypatch)
    run_id = manager.start(tiny_config())
    status = manager.wait(run_id, 120)
    assert status["state"] == "failed"
    assert status["message"].startswith("out of memory")
    assert "lower the batch size (now 32)" in status["message"]


@pytest.mark.parametrize(
    "error",
    [
        torch.OutOfMemoryError("CUDA out of memory"),
        RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: out of memory"),
        MemoryError(),
    ],
)
def test_every_kind_of_out_of_memory_gets_the_same_advice(error):
    message = describe_failure(error, RunConfig())
    assert (
        message.startswith("out of memory")
        and f"lower the batch size (now {RunConfig().optim.batch_size})" in message
    )


def test_the_command_line_records_a_crash_and_exits_1_with_one_line(
    tmp_path, capsys, monkeypatch, tiny_config
):
    from sslcore.cli import main

    fail_at_step("simclr", 1, RuntimeError("CUDA error: out of memory"), monkeypatch)
    config_file = tmp_path / "tiny.json"
    save_config(tiny_config(), config_file)
    code = main(["train", "--config", str(config_file), "--runs-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith("sslcore: run ") and "lower the batch size" in err[-1]
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert RunStore(run_dir).status()["state"] == "failed"


def test_a_full_disk_while_appending_metrics_fails_the_run_clearly(
    manager, monkeypatch, tiny_config
):
    real_append = RunStore._append

    def append(path, row):
        if path.name == "metrics.jsonl" and row.get("step") == 10:
            with open(path, "a") as handle:
                handle.write('{"step": 10, "lo')  # the part that fitted
            raise OSError(errno.ENOSPC, "No space left on device")
        real_append(path, row)

    monkeypatch.setattr(RunStore, "_append", staticmethod(append))
    run_id = manager.start(tiny_config())
    status = manager.wait(run_id, 120)
    assert status["state"] == "failed" and "the disk is full" in status["message"]
    rows = read_jsonl(manager.runs_dir / run_id / "metrics.jsonl")
    assert [r["step"] for r in rows if "loss" in r] == [1, 5]  # the torn row is skipped, not fatal
