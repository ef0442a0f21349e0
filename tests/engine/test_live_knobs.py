"""Turning knobs of a running run (TensorFlow Playground's immediacy): the learning rate while
it trains, one step at a time while paused."""

from __future__ import annotations

import time

import pytest

from sslcore.config import ConfigError
from sslcore.jobs import JobManager
from sslcore.store import RunStore

STEPS = {"optim.steps": 60, "monitor.log_every": 1, "monitor.eval_every": 1000,
         "monitor.checkpoint_every": 1000, "optim.warmup_steps": 5}  # fmt: skip


def learning_rates(store: RunStore) -> dict[int, float]:
    return {row["step"]: row["lr"] for row in store.metrics() if "lr" in row}


@pytest.fixture
def manager(tmp_path):
    mgr = JobManager(tmp_path / "runs", max_concurrent=1)
    yield mgr
    mgr.shutdown()


@pytest.fixture
def reference_and_live(manager, tmp_path, tiny_config, wait_until):
    """``reference_and_live(step)``: a run trained to the end, then the same run started and
    followed to ``step``; (the reference's store, the live run's id, its store)."""

    def start(step: int) -> tuple[RunStore, str, RunStore]:
        reference = manager.start(tiny_config(**STEPS))
        manager.wait(reference, 120)
        run_id = manager.start(tiny_config(**STEPS))
        store = RunStore(tmp_path / "runs" / run_id)
        assert wait_until(lambda: (store.status() or {}).get("step", 0) >= step)
        return RunStore(tmp_path / "runs" / reference), run_id, store

    return start


def test_a_new_learning_rate_scales_the_schedule_from_the_next_step(
    manager, tmp_path, tiny_config, reference_and_live
):
    reference, run_id, store = reference_and_live(10)
    with pytest.raises(ConfigError, match="optim.lr"):
        manager.set_lr(run_id, -1.0)  # the field's own range, as at Start
    manager.set_lr(run_id, tiny_config().optim.lr * 10)
    assert manager.wait(run_id, 120)["state"] == "finished"
    before = learning_rates(reference)
    after = learning_rates(store)
    changed = [step for step in after if after[step] != pytest.approx(before[step])]
    assert changed and min(changed) > 10
    assert all(after[s] == pytest.approx(10 * before[s]) for s in range(min(changed), 60))
    assert any("learning rate changed from" in e["message"] for e in store.events())


def test_one_step_at_a_time_while_paused(manager, tmp_path, tiny_config, wait_until):
    run_id = manager.start(tiny_config(**{**STEPS, "optim.steps": 400}))
    store = RunStore(tmp_path / "runs" / run_id)
    assert wait_until(lambda: (store.status() or {}).get("step", 0) >= 3)
    with pytest.raises(ValueError, match="not paused"):
        manager.step_once(run_id)
    manager.pause(run_id)
    assert wait_until(lambda: store.status()["state"] == "paused")
    paused_at = store.status()["step"]
    for expected in (paused_at + 1, paused_at + 2):
        manager.step_once(run_id)
        assert wait_until(lambda e=expected: store.status()["state"] == "paused"
                          and store.status()["step"] == e)  # fmt: skip
    time.sleep(0.5)
    assert store.status()["step"] == paused_at + 2  # it waits again
    manager.stop(run_id)
    assert manager.wait(run_id, 60)["state"] == "stopped"


def test_a_changed_learning_rate_stays_changed_after_a_resume(
    manager, tmp_path, tiny_config, reference_and_live, wait_until
):
    reference, run_id, store = reference_and_live(5)
    manager.set_lr(run_id, tiny_config().optim.lr * 3)
    assert wait_until(lambda: any("learning rate changed" in e["message"] for e in store.events()))
    manager.stop(run_id)
    stopped_at = manager.wait(run_id, 60)["step"]
    assert stopped_at < 60
    manager.resume_run(run_id)
    assert manager.wait(run_id, 120)["state"] == "finished"
    before = learning_rates(reference)
    after = learning_rates(store)
    assert all(after[s] == pytest.approx(3 * before[s]) for s in range(stopped_at + 1, 60))
