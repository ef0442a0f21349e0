"""The job manager: background runs, queue, pause/resume/stop, owners, crash recovery."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from sslcore.jobs import JobManager
from sslcore.store import RunStore


@pytest.fixture
def manager(tmp_path):
    mgr = JobManager(tmp_path / "runs", max_concurrent=1)
    yield mgr
    mgr.shutdown()


def test_runs_queue_and_finish(manager, tiny_config):
    first = manager.start(tiny_config(), owner="ada")
    second = manager.start(tiny_config(**{"seed": 1}), owner="ada")
    assert manager.queue_position(second) == 1
    assert manager.wait(first, 120)["state"] == "finished"
    assert manager.wait(second, 120)["state"] == "finished"
    assert {r["run_id"] for r in manager.list(owner="ada")} == {first, second}
    assert manager.list(owner="bob") == []


def test_pause_resume_and_stop(manager, tiny_config, wait_until):
    run_id = manager.start(tiny_config(**{"optim.steps": 400}), owner="ada")
    assert wait_until(lambda: manager.status(run_id).get("step", 0) >= 5)
    manager.pause(run_id, owner="ada")
    assert wait_until(lambda: manager.status(run_id)["state"] == "paused")
    step = manager.status(run_id)["step"]
    time.sleep(0.5)
    assert manager.status(run_id)["step"] == step
    manager.resume(run_id, owner="ada")
    assert wait_until(lambda: manager.status(run_id)["state"] == "running")
    manager.stop(run_id, owner="ada")
    status = manager.wait(run_id, 60)
    assert status["state"] == "stopped"
    assert RunStore(manager.runs_dir / run_id).checkpoint_path().exists()


def test_only_the_owner_controls_a_run(manager, tiny_config):
    run_id = manager.start(tiny_config(**{"optim.steps": 400}), owner="ada")
    with pytest.raises(PermissionError):
        manager.stop(run_id, owner="bob")
    manager.stop(run_id)  # no owner: the teacher / the command line
    assert manager.wait(run_id, 60)["state"] == "stopped"


def test_a_failing_run_is_recorded_not_silent(manager, monkeypatch, tiny_config):
    from sslcore.train import setup

    def explode(*args, **kwargs):
        raise RuntimeError("the objective broke")

    monkeypatch.setattr(setup, "build_objective", explode)
    run_id = manager.start(tiny_config(), owner="")
    status = manager.wait(run_id, 60)
    assert status["state"] == "failed"
    assert "the objective broke" in status["message"]


def test_a_run_left_running_by_a_dead_process_is_interrupted_and_resumes(tmp_path, tiny_config):
    runs = tmp_path / "runs"
    first = JobManager(runs, max_concurrent=1)
    run_id = first.start(tiny_config(**{"optim.steps": 30}))
    assert first.wait(run_id, 120)["state"] == "finished"
    # Pretend the process died mid-run: status still says running, its pid is gone.
    store = RunStore(runs / run_id)
    store.write_status("running", step=20, pid=2**22 + 12345)
    second = JobManager(runs, max_concurrent=1)
    assert second.status(run_id)["state"] == "interrupted"
    second.resume_run(run_id, steps=40)
    assert second.wait(run_id, 120)["state"] == "finished"
    assert store.status()["step"] == 40
    first.shutdown()
    second.shutdown()


def test_runs_of_a_live_process_are_left_alone_and_read_interrupted_once_it_dies(tmp_path):
    runs = tmp_path / "runs"
    store = RunStore(runs / "cli-run")
    store.create({"optim": {"steps": 10}})
    store.write_status("running", pid=os.getppid())
    holder = subprocess.Popen(  # another process writing the run: it holds the run's lock
        [sys.executable, "-c", HOLD_LOCK, str(store.path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        JobManager(runs)
        assert store.status()["state"] == "running"
        assert store.recorded_status()["state"] == "running"
    finally:
        holder.kill()
        holder.wait()
    assert store.status()["state"] == "interrupted"  # every viewer, before any manager
    JobManager(runs)
    assert store.recorded_status()["state"] == "interrupted"


HOLD_LOCK = """
import sys, time
from sslcore.run_lock import RunLock
lock = RunLock.acquire(sys.argv[1])
print("locked", flush=True)
time.sleep(60)
"""


def test_same_seed_same_losses_with_or_without_a_neighbour(tmp_path, tiny_config):
    alone = JobManager(tmp_path / "alone", max_concurrent=1)
    a = alone.start(tiny_config())
    alone.wait(a, 120)
    pair = JobManager(tmp_path / "pair", max_concurrent=2)
    b = pair.start(tiny_config())
    c = pair.start(tiny_config(**{"seed": 7, "optim.lr": 5e-3}))
    pair.wait(b, 120)
    pair.wait(c, 120)

    def losses(mgr, run_id):
        return [m["loss"] for m in RunStore(mgr.runs_dir / run_id).metrics() if "loss" in m]

    assert losses(alone, a) == losses(pair, b)
    assert losses(pair, c) != losses(pair, b)
