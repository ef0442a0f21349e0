"""Reliability of a run's life: one writer, clean signals, exact resumes, refusals that write
nothing, and one line (never a traceback) for every failure a user can cause on the command line.

Runs here are real ``python -m sslcore`` processes, signalled and killed as a user or an
operating system would.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sslcore.checkpoint import load_checkpoint
from sslcore.config import RunConfig, save_config
from sslcore.jobs import JobManager
from sslcore.run_lock import RunBusy, RunLock, lock_holder
from sslcore.store import RunStore

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
TIMING = ("time", "elapsed_s", "images_per_s", "step_time_s", "data_time_s", "eta_s")


def sslcore(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sslcore", *args],
        cwd=REPO, env=ENV, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def start_training(config_file: Path, runs: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "sslcore", "train", "--config", str(config_file)]
    return subprocess.Popen(
        [*command, "--runs-dir", str(runs), "--quiet"],
        cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def the_run(runs: Path) -> RunStore:
    """The one run in ``runs`` (a started process creates it within a second or two)."""
    return RunStore(next(runs.iterdir()))


def reached(store: RunStore, step: int) -> bool:
    return (store.recorded_status() or {}).get("step", 0) >= step


def assert_same_metrics(rows: list[dict], reference: list[dict], why: str) -> None:
    """Row by row, the same figures (clock readings aside) to float32 rounding."""
    assert len(rows) == len(reference), why
    for row, ref in zip(rows, reference, strict=True):
        figures = {k: v for k, v in row.items() if k not in TIMING}
        assert figures == pytest.approx({k: v for k, v in ref.items() if k not in TIMING},
                                        rel=1e-6), why  # fmt: skip


def write_config(tmp_path: Path, config: RunConfig) -> Path:
    path = tmp_path / "config.json"
    save_config(config, path)
    return path


EXACT = {"optim.steps": 40, "monitor.checkpoint_every": 10, "monitor.log_every": 5}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, tiny_config) -> list[dict]:
    """The metric rows of the reference run, trained start to end in one process."""
    tmp = tmp_path_factory.mktemp("reference")
    return finished_run(tmp, tiny_config("byol", **EXACT)).metrics()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT", "SIGTERM"])
def test_a_run_stopped_at_a_random_step_resumes_to_the_same_metrics(
    tmp_path, how, uninterrupted, wait_until, tiny_config
):
    # A kill needs a checkpoint behind it (every 10 steps); a signal writes its own.
    at = random.Random().randint(11 if how == "SIGKILL" else 2, 34)
    runs = tmp_path / "runs"
    process = start_training(write_config(tmp_path, tiny_config("byol", **EXACT)), runs)
    assert wait_until(lambda: runs.is_dir() and any(runs.iterdir()))
    store = the_run(runs)
    assert wait_until(lambda: reached(store, at)), process.stderr.read() if process.poll() else ""
    process.send_signal(getattr(signal, how))
    _, stderr = process.communicate(timeout=60)
    if how == "SIGKILL":
        assert process.returncode == -signal.SIGKILL
    else:  # the step finishes, a checkpoint is written, one line says so
        assert process.returncode == 128 + getattr(signal, how), stderr
        assert "Traceback" not in stderr
        assert [line for line in stderr.splitlines() if line.strip()] == [
            f"sslcore: run {store.run_id} interrupted at step "
            f"{load_checkpoint(store.checkpoint_path())['step']} (checkpoint saved); "
            f"continue with: sslcore resume {store.path}"
        ]
        assert store.recorded_status()["message"].startswith(f"interrupted by {how}")
    assert store.status()["state"] == "interrupted", f"stopped at step {at}"

    resumed = sslcore("resume", str(store.path), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    rows = store.metrics()
    assert [r["step"] for r in rows] == [r["step"] for r in uninterrupted], f"at step {at}"
    assert_same_metrics(rows, uninterrupted, f"{how} at step {at}")


def test_a_second_writer_is_refused_with_who_holds_the_run(tmp_path, wait_until, tiny_config):
    runs = tmp_path / "runs"
    process = start_training(
        write_config(tmp_path, tiny_config("byol", **{"optim.steps": 100000})), runs
    )
    try:
        assert wait_until(lambda: runs.is_dir() and any(runs.iterdir()))
        store = the_run(runs)
        assert wait_until(lambda: reached(store, 10))
        second = sslcore("resume", str(store.path), "--steps", "200000")
        assert second.returncode == 2
        assert second.stderr.strip().splitlines() == [
            f"sslcore: error: run {store.run_id} is being written by process {process.pid} "
            f"on {os.uname().nodename}: wait for it to end, or stop it there (its dashboard's "
            "Stop, or Ctrl-C in its terminal), then try again"
        ]
        manager = JobManager(runs)
        try:
            with pytest.raises(RunBusy, match=f"process {process.pid}"):
                manager.resume_run(store.run_id, steps=200000)
            assert manager.status(store.run_id)["state"] == "running"  # left alone
        finally:
            manager.shutdown()
        assert json.loads((store.path / "config.json").read_text())["optim"]["steps"] == 100000
    finally:
        process.kill()
        process.communicate()
    assert lock_holder(store.path) is None  # the kernel let go of a dead writer's lock
    steps = [row["step"] for row in store.metrics() if "loss" in row]
    assert steps == sorted(set(steps))  # one writer: no step twice, none out of order


def test_a_lock_is_exclusive_in_one_process_and_free_after_release(tmp_path):
    first = RunLock.acquire(tmp_path / "run")
    with pytest.raises(RunBusy, match=f"process {os.getpid()}"):
        RunLock.acquire(tmp_path / "run")  # another thread of this process, say
    assert lock_holder(tmp_path / "run")["pid"] == os.getpid()
    first.release()
    assert lock_holder(tmp_path / "run") is None
    with RunLock.acquire(tmp_path / "run") as again:
        assert again.held


def finished_run(tmp_path: Path, config: RunConfig) -> RunStore:
    runs = tmp_path / "runs"
    done = sslcore("train", "--config", str(write_config(tmp_path, config)), "--runs-dir",
                   str(runs), "--quiet")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return the_run(runs)


def snapshot_of(store: RunStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in store.path.glob("*.json*")}


def test_refused_resumes_write_nothing(tmp_path, tiny_config):
    photos = tmp_path / "photos.npz"
    rng = np.random.default_rng(0)
    np.savez(photos, x=rng.integers(0, 256, (96, 16, 16, 3), dtype=np.uint8))
    store = finished_run(
        tmp_path, tiny_config("byol", **{"optim.steps": 10, "data.dataset": f"npz:{photos}"})
    )
    before = snapshot_of(store)
    below = sslcore("resume", str(store.path), "--steps", "5")
    assert below.returncode == 2
    assert "steps: 5 is below the 10 steps" in below.stderr
    again = sslcore("resume", str(store.path))
    assert again.returncode == 2 and "already trained all its 10 steps" in again.stderr
    photos.unlink()
    missing = sslcore("resume", str(store.path), "--steps", "20")
    assert missing.returncode == 2 and str(photos) in missing.stderr
    for refused in (below, again, missing):
        assert len(refused.stderr.strip().splitlines()) == 1
    assert snapshot_of(store) == before  # still finished at 10 of 10, config unchanged
    assert store.status()["state"] == "finished"


def test_a_torn_last_line_is_cut_not_glued_onto(tmp_path, tiny_config):
    store = finished_run(tmp_path, tiny_config("byol", **{"optim.steps": 10}))
    with open(store.path / "metrics.jsonl", "a") as metrics:
        metrics.write('{"step": 15, "loss": 0.9')  # what a killed writer leaves
    with open(store.path / "events.jsonl", "a") as events:
        events.write('{"step": 12, "level": "info", "mess')
    resumed = sslcore("resume", str(store.path), "--steps", "20", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    for name in ("metrics.jsonl", "events.jsonl"):
        lines = (store.path / name).read_text().splitlines()
        rows = [json.loads(line) for line in lines]  # every line is whole JSON
        # Training rows and the monitor's each in step order (step 0's record follows step 1's
        # row: see sslcore.train.recorder).
        for kind in ([r for r in rows if "loss" in r], [r for r in rows if "loss" not in r]):
            assert [r["step"] for r in kind] == sorted(r["step"] for r in kind)
    assert store.metrics()[-1]["step"] == 20


@pytest.fixture(scope="module")
def finished(tmp_path_factory, tiny_config) -> RunStore:
    """A run trained to the end (10 steps) on an npz file of its own."""
    tmp = tmp_path_factory.mktemp("finished")
    rng = np.random.default_rng(0)
    np.savez(tmp / "photos.npz", x=rng.integers(0, 256, (96, 16, 16, 3), dtype=np.uint8))
    return finished_run(
        tmp, tiny_config("byol", **{"optim.steps": 10, "data.dataset": f"npz:{tmp / 'photos.npz'}"})
    )


def _break(store: RunStore, how: str) -> tuple[int | None, object]:
    """Damage a copy of a finished run; the ``steps`` to ask for and what undoes the damage."""
    config = store.path / "config.json"
    if how == "no config":
        config.unlink()
    elif how == "config not JSON":
        config.write_text("{not json")
    elif how == "config with an unknown field":
        config.write_text(json.dumps({**json.loads(config.read_text()), "optimm": {}}))
    elif how == "no checkpoint":
        store.checkpoint_path().unlink()
    elif how == "an empty checkpoint":
        store.checkpoint_path().write_bytes(b"")
    elif how == "data gone":
        Path(store.config()["data"]["dataset"].removeprefix("npz:")).rename(store.path / "moved")
    elif how == "busy":
        return 20, RunLock.acquire(store.path)
    return {"steps below": 5, "steps out of range": 10**9, "nothing left": None}.get(how, 20), None


REFUSALS = {
    "no config": "not a run directory|no run",  # the job manager lists no such run
    "config not JSON": "config.json is missing or is not a JSON object",
    "config with an unknown field": "optimm: unknown field",
    "no checkpoint": "has no checkpoint",
    "an empty checkpoint": "not a safe SSL Lab checkpoint",
    "steps below": "below the 10 steps",
    "steps out of range": "optim.steps",
    "nothing left": "already trained all its 10 steps",
    "data gone": "photos.npz",
    "busy": "is being written by process",
}


@pytest.mark.parametrize("how", list(REFUSALS))
def test_a_resume_that_cannot_happen_is_refused_and_writes_nothing(finished, tmp_path, how):
    import shutil

    from sslcore.lifecycle import plan_resume

    store = RunStore(tmp_path / finished.run_id)
    shutil.copytree(finished.path, store.path)
    data = Path(finished.config()["data"]["dataset"].removeprefix("npz:"))
    steps, held = _break(store, how)
    before = {p: p.read_bytes() for p in store.path.rglob("*") if p.is_file()}
    try:
        with pytest.raises((ValueError, FileNotFoundError, RunBusy), match=REFUSALS[how]):
            plan_resume(store, steps)
        with pytest.raises((ValueError, LookupError, OSError, RunBusy), match=REFUSALS[how]):
            manager = JobManager(tmp_path)
            try:
                manager.resume_run(store.run_id, steps=steps)
            finally:
                manager.shutdown()
    finally:
        if held is not None:
            held.release()
        if (store.path / "moved").exists():
            (store.path / "moved").rename(data)
            before.pop(store.path / "moved")
    assert {p: p.read_bytes() for p in store.path.rglob("*") if p.is_file()} == before
