"""Evaluations in the background: a thread per evaluation, at most one at a time per run.

A linear probe, a fine-tuning or a label-efficiency curve takes 20-40 s on a laptop CPU. Run in
the caller's thread (a Streamlit script run), the page answers nothing meanwhile. Here
:func:`start` hands the protocol to a daemon thread, which runs
:func:`sslcore.eval.run_eval.evaluate_run` (the result lands in ``eval/<name>.json`` as from the
command line), and returns at once.

The state of each evaluation is written into the run directory, beside the results::

    eval/jobs/<name>.json   state (running | finished | failed), protocol, labels_fraction,
                            dataset, started, updated, finished, expected_s, message,
                            accuracy, pid, host; rewritten atomically

so every tab, a reloaded page, or another process sees what is running and how far it is.
(The folder keeps them apart from the results, which are ``eval/*.json``.) How far: an
evaluation reports no steps, so progress is the time spent against the time the same evaluation
took last time (its result's ``seconds``), when there was a last time.

A run takes one evaluation at a time: a second :func:`start` while one runs raises
:class:`EvaluationBusy`, naming the one running. An evaluation whose writer is gone (its process
ended, or its thread died without a word) reads as ``interrupted``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from sslcore.eval.run_eval import evaluate_run, result_name
from sslcore.store import RunStore, read_json_object, write_json_atomic
from sslcore.transfer.target import transfer_name

log = logging.getLogger(__name__)

JOBS_FOLDER = "jobs"
RUNNING = "running"
_LOCK = threading.RLock()  # re-entered: start() reads the statuses while holding it
_THREADS: dict[Path, threading.Thread] = {}  # run directory -> its evaluation's thread


class EvaluationBusy(RuntimeError):
    """The run is already being evaluated; one evaluation at a time per run."""


def job_name(protocol: str, labels_fraction: float | None, dataset: str | None) -> str:
    """The name of an evaluation: its result's file stem (``linear-10pct-on-digits``)."""
    name = result_name(protocol, labels_fraction)
    return f"{name}-on-{transfer_name(dataset)}" if dataset else name


def _status_path(run_dir: Path, name: str) -> Path:
    return run_dir / "eval" / JOBS_FOLDER / f"{name}.json"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    return True


def _as_now(run_dir: Path, status: dict[str, Any]) -> dict[str, Any]:
    """``status`` as it is now: a running evaluation whose writer is gone is interrupted."""
    if status.get("state") != RUNNING or status.get("host") != socket.gethostname():
        return status
    pid = int(status.get("pid", -1))
    if pid == os.getpid():
        with _LOCK:
            thread = _THREADS.get(run_dir)
        alive = thread is not None and thread.is_alive()
    else:
        alive = _pid_alive(pid)
    if alive:
        return status
    return {**status, "state": "interrupted", "message": "the process running it ended"}


def statuses(run_dir: str | Path) -> list[dict[str, Any]]:
    """Every evaluation recorded for the run, the most recently started last."""
    root = Path(run_dir).resolve()
    rows = []
    for path in (root / "eval" / JOBS_FOLDER).glob("*.json"):
        status = read_json_object(path)
        if status is not None:
            rows.append(_as_now(root, status))
    return sorted(rows, key=lambda s: float(s.get("started", 0)))


def latest(run_dir: str | Path) -> dict[str, Any] | None:
    """The most recently started evaluation of the run (running or done), or None."""
    rows = statuses(run_dir)
    return rows[-1] if rows else None


def running(run_dir: str | Path) -> dict[str, Any] | None:
    """The evaluation running on the run now, or None."""
    return next((s for s in statuses(run_dir) if s.get("state") == RUNNING), None)


def progress(status: dict[str, Any], now: float | None = None) -> float | None:
    """A running evaluation's share done, by time against the last time (≤ 0.99); None unknown."""
    expected = status.get("expected_s")
    if not isinstance(expected, int | float) or expected <= 0:
        return None
    elapsed = (now if now is not None else time.time()) - float(status["started"])
    return min(max(elapsed / expected, 0.0), 0.99)


def start(
    run_dir: str | Path,
    protocol: str,
    labels_fraction: float | None = None,
    dataset: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Start evaluating the run in a background thread; return its status (state running).

    The arguments are those of :func:`~sslcore.eval.run_eval.evaluate_run`; what it raises
    (an unknown protocol, no checkpoint) ends the evaluation ``failed`` with its message.

    Raises:
        EvaluationBusy: an evaluation of this run is running (in this process or another).
        FileNotFoundError: ``run_dir`` is not a run directory.
    """
    root = Path(run_dir).resolve()
    store = RunStore(root)
    if not store.exists():
        raise FileNotFoundError(f"{root} is not a run directory (no config.json)")
    name = job_name(protocol, labels_fraction, dataset)
    with _LOCK:
        busy = running(root)
        if busy is not None:
            raise EvaluationBusy(
                f"{busy['name']} is still running on this run (one evaluation at a time)"
            )
        previous = store.eval_results().get(name, {}).get("seconds")
        now = time.time()
        status: dict[str, Any] = {
            "name": name,
            "state": RUNNING,
            "protocol": protocol,
            "labels_fraction": labels_fraction,
            "dataset": dataset,
            "started": now,
            "updated": now,
            "expected_s": previous if isinstance(previous, int | float) else None,
            "message": "loading the checkpoint and the data",
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        write_json_atomic(_status_path(root, name), status)
        thread = threading.Thread(
            target=_work,
            args=(root, status, options),
            name=f"eval-{store.run_id}-{name}",
            daemon=True,
        )
        _THREADS[root] = thread
        thread.start()
    return status


def _work(root: Path, status: dict[str, Any], options: dict[str, Any]) -> None:
    try:
        result = evaluate_run(
            root, status["protocol"], status["labels_fraction"], status["dataset"], **options
        )
    except Exception as err:  # the thread must never die silently: the page shows why
        log.exception("evaluating %s with %s failed", root.name, status["name"])
        done: dict[str, Any] = {
            "state": "failed",
            "message": str(err).splitlines()[0] if str(err) else repr(err),
        }
    else:
        accuracy = result.get("accuracy")
        done = {
            "state": "finished",
            "message": "done",
            "accuracy": accuracy if isinstance(accuracy, int | float) else None,
            "seconds": result.get("seconds"),
            "result": result.get("name"),
        }
    now = time.time()
    with _LOCK:
        finished = status | done | {"updated": now, "finished": now}
        write_json_atomic(_status_path(root, status["name"]), finished)
        if _THREADS.get(root) is threading.current_thread():
            del _THREADS[root]


def wait(run_dir: str | Path, timeout: float | None = None) -> dict[str, Any] | None:
    """Block until the run's evaluation in this process ends (or ``timeout``); its last status."""
    root = Path(run_dir).resolve()
    with _LOCK:
        thread = _THREADS.get(root)
    if thread is not None:
        thread.join(timeout)
    return latest(root)
