"""Evaluations in the background: state in the run directory, one at a time, never silent."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sslcore import eval_jobs
from sslcore.store import write_json_atomic
from sslcore.train import Trainer


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """evaluate_run replaced by one that waits for the returned event (then gives 50%)."""
    release = threading.Event()

    def slow(run_dir, protocol, labels_fraction=None, dataset=None, **options):
        assert release.wait(30)
        if protocol == "bad":
            raise ValueError("protocol 'bad' is not one of: knn, linear\nsecond line")
        return {"name": protocol, "accuracy": 0.5, "seconds": 1.5}

    monkeypatch.setattr(eval_jobs, "evaluate_run", slow)
    return release


def test_a_running_evaluation_is_in_the_run_directory_and_blocks_a_second(
    tmp_path: Path, held: threading.Event, new_store, tiny_config
) -> None:
    store = new_store(tmp_path, tiny_config())
    status = eval_jobs.start(store.path, "linear", labels_fraction=0.1)
    assert status["state"] == "running" and status["name"] == "linear-10pct"
    on_disk = eval_jobs.latest(store.path)  # what another tab or a reloaded page reads
    assert on_disk is not None and on_disk["state"] == "running"
    assert (store.path / "eval" / "jobs" / "linear-10pct.json").exists()
    assert store.eval_results() == {}  # a job's status is not a result
    with pytest.raises(eval_jobs.EvaluationBusy, match="linear-10pct is still running"):
        eval_jobs.start(store.path, "knn")
    held.set()
    done = eval_jobs.wait(store.path, timeout=30)
    assert done is not None and done["state"] == "finished" and done["accuracy"] == 0.5
    assert eval_jobs.running(store.path) is None
    eval_jobs.start(store.path, "bad")  # free again; its failure is recorded, in one line
    failed = eval_jobs.wait(store.path, timeout=30)
    assert failed is not None and failed["state"] == "failed"
    assert failed["message"] == "protocol 'bad' is not one of: knn, linear"


def test_progress_is_time_against_the_last_time(
    tmp_path: Path, held: threading.Event, new_store, tiny_config
) -> None:
    store = new_store(tmp_path, tiny_config())
    store.save_eval("knn", {"name": "knn", "seconds": 20.0})
    status = eval_jobs.start(store.path, "knn")
    held.set()
    assert status["expected_s"] == 20.0
    assert eval_jobs.progress(status, now=status["started"] + 5) == pytest.approx(0.25)
    assert eval_jobs.progress(status, now=status["started"] + 60) == 0.99
    assert eval_jobs.progress({"started": 0.0, "expected_s": None}) is None
    eval_jobs.wait(store.path, timeout=30)


def test_an_evaluation_whose_process_ended_reads_interrupted(
    tmp_path: Path, new_store, tiny_config
) -> None:
    store = new_store(tmp_path, tiny_config())
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    write_json_atomic(
        store.path / "eval" / "jobs" / "linear.json",
        {"name": "linear", "state": "running", "started": 1.0, "pid": int(dead.stdout),
         "host": socket.gethostname()},
    )  # fmt: skip
    status = eval_jobs.latest(store.path)
    assert status is not None and status["state"] == "interrupted"
    assert eval_jobs.running(store.path) is None  # a dead job does not block a new one


def test_a_real_knn_lands_in_eval_like_the_command_line(
    tmp_path: Path, tiny_config, new_store
) -> None:
    config = tiny_config(**{"optim.steps": 10})
    store = new_store(tmp_path, config)
    assert Trainer(config, store).run()["state"] == "finished"
    eval_jobs.start(store.path, "knn")
    done = eval_jobs.wait(store.path, timeout=120)
    assert done is not None and done["state"] == "finished", done
    result = store.eval_results()["knn"]
    assert done["accuracy"] == result["accuracy"] and 0 <= result["accuracy"] <= 1
