"""The process-wide job manager: training runs in background threads, with a queue.

The dashboard (and anything else in the process) asks it to start, pause, resume and stop
runs; each run trains in its own thread through :class:`sslcore.train.Trainer` and writes its
run directory, which is what every viewer reads. It is thread-safe and never imports
streamlit. At most ``max_concurrent`` runs train at once (one by default on a CPU-only machine,
where two runs would only share the same cores); the others wait in a first-in, first-out queue.

Owners: every run records who started it. Control calls pass ``owner``; a run may be controlled
by its owner, or by anyone when ``owner`` is None (the command line, a teacher).

Classroom mode: given a :class:`~sslcore.classroom.ClassroomPolicy`, the manager enforces it
where runs are submitted, not in the pages: ``max_concurrent`` comes from the policy, and a
student's start (or resume) is refused with a :class:`~sslcore.classroom.LimitError` that names
the setting and the limit, when the student already has ``per_user_runs`` runs going, or when
the queue is full. The check and the enqueue happen under one lock, so thirty students pressing
Start at once cannot slip past a limit. ``as_teacher=True`` skips the per-student limits.
"""

from __future__ import annotations

import atexit
import logging
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from sslcore.classroom import ClassroomPolicy, LimitError, check_capacity, check_config
from sslcore.config import RunConfig, replace
from sslcore.lifecycle import Writer, begin_resume, check_runs_dir, create_run, plan_resume
from sslcore.run_lock import RunBusy, RunLock
from sslcore.store import (
    ACTIVE_STATES,
    RUN_ID_PATTERN,
    RunStore,
    list_runs,
    safe_run_dir,
)
from sslcore.train import Trainer
from sslcore.train.control import RunControl
from sslcore.train.failures import record_failure
from sslcore.transfer.init_source import parse_init_from

log = logging.getLogger(__name__)


def default_max_concurrent() -> int:
    """One run at a time without a GPU; one per GPU with them."""
    return max(1, torch.cuda.device_count())


@dataclass
class Job:
    """A run this manager writes (it holds the run's lock from queue to end) and its control."""

    writer: Writer
    owner: str
    control: RunControl = field(default_factory=RunControl)
    thread: threading.Thread | None = None

    @property
    def run_id(self) -> str:
        return self.writer.store.run_id

    @property
    def store(self) -> RunStore:
        return self.writer.store

    @property
    def config(self) -> RunConfig:
        return self.writer.config


class JobManager:
    """Starts, queues and controls training runs under one runs directory."""

    def __init__(
        self,
        runs_dir: str | Path,
        max_concurrent: int | None = None,
        policy: ClassroomPolicy | None = None,
    ) -> None:
        self.runs_dir = check_runs_dir(runs_dir)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.max_concurrent = max_concurrent or default_max_concurrent()
        self.policy: ClassroomPolicy | None = None
        self._lock = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self._queue: deque[str] = deque()
        self._running: set[str] = set()
        self.set_policy(policy)
        self.mark_interrupted()

    def set_policy(self, policy: ClassroomPolicy | None) -> None:
        """Apply a classroom policy (None: no per-student limits); queued runs may now start."""
        with self._lock:
            self.policy = policy
            if policy is not None:
                self.max_concurrent = policy.max_concurrent
            self._dispatch()

    # --- starting ---------------------------------------------------------------------------
    def start(self, config: RunConfig, owner: str = "", as_teacher: bool = False) -> str:
        """Create a run directory for ``config`` and queue it; return its run id.

        Raises:
            LimitError: classroom mode refuses the run (see :meth:`_admit`).
        """
        with self._lock:
            self._admit(config, owner, as_teacher)
            writer = create_run(self.runs_dir, config, owner)
            self._enqueue(Job(writer, owner))
        return writer.store.run_id

    def resume_run(
        self,
        run_id: str,
        steps: int | None = None,
        owner: str | None = None,
        as_teacher: bool = False,
    ) -> None:
        """Continue a stopped, interrupted, failed or finished run from its last checkpoint.

        Everything is checked before anything is written (see :mod:`sslcore.lifecycle`): a
        refused resume leaves the run as it was.

        Args:
            steps: a new total number of steps (not below the step the run reached).

        Raises:
            ValueError, FileNotFoundError, ConfigError, RunBusy, LimitError: why it cannot
                resume; the message names the problem.
        """
        store = self._store(run_id)
        self._check_owner(store, owner)
        with self._lock:
            if run_id in self._jobs:
                raise ValueError(f"run {run_id} is already queued or running")
            plan = plan_resume(store, steps)
            run_owner = (store.status() or {}).get("owner", "")
            self._admit(plan.config, run_owner, as_teacher or owner is None)
            self._enqueue(Job(begin_resume(plan), run_owner))

    def _admit(self, config: RunConfig, owner: str, as_teacher: bool) -> None:
        """Refuse a student's run the classroom policy does not allow (the caller holds the lock).

        Raises:
            LimitError: a setting above its limit, a data path outside the allowed roots, a
                run to start from that is someone else's, too many runs of this student, or a
                full queue.
        """
        if self.policy is None or as_teacher:
            return
        if not owner:
            raise LimitError("", "this class needs to know who starts a run: no owner was given")
        check_config(self.policy, config)
        self._check_init_source(config, owner)
        mine = sum(1 for job in self._jobs.values() if job.owner == owner)
        slot_free = not self._queue and len(self._running) < self.max_concurrent
        check_capacity(self.policy, mine, len(self._queue), slot_free)

    def _check_init_source(self, config: RunConfig, owner: str) -> None:
        """A student may start from the weights of their own runs only, named by run id."""
        source = parse_init_from(config.backbone.init_from)
        if source.kind != "run":
            return
        field = "backbone.init_from"
        if not RUN_ID_PATTERN.match(source.ref):
            raise LimitError(field, "in this class, name a run by its id, not by a path")
        run_owner = (RunStore(self.runs_dir / source.ref).status() or {}).get("owner", "")
        if run_owner != owner:
            raise LimitError(field, f"run {source.ref} is not one of your runs")

    def _enqueue(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.run_id] = job
            self._queue.append(job.run_id)
            self._dispatch()

    def _dispatch(self) -> None:
        with self._lock:
            while self._queue and len(self._running) < self.max_concurrent:
                job = self._jobs[self._queue.popleft()]
                self._running.add(job.run_id)
                job.thread = threading.Thread(
                    target=self._work, args=(job,), name=f"train-{job.run_id}", daemon=True
                )
                job.thread.start()

    def _work(self, job: Job) -> None:
        try:
            Trainer(job.config, job.store, job.control).run(resume=job.writer.resume)
        except Exception as err:  # the worker must never die silently
            log.exception("run %s failed", job.run_id)
            record_failure(job.store, err, job.config)
        finally:
            with self._lock:
                job.writer.close()
                self._running.discard(job.run_id)
                self._jobs.pop(job.run_id, None)
                self._dispatch()

    # --- control ------------------------------------------------------------------------------
    def _store(self, run_id: str) -> RunStore:
        store = RunStore(safe_run_dir(self.runs_dir, run_id))
        if not store.exists():
            raise KeyError(f"no run {run_id!r} in {self.runs_dir}")
        return store

    @staticmethod
    def _check_owner(store: RunStore, owner: str | None) -> None:
        run_owner = (store.status() or {}).get("owner", "")
        if owner is not None and run_owner and owner != run_owner:
            raise PermissionError(f"run {store.run_id} belongs to someone else")

    def _live_job(self, run_id: str, owner: str | None) -> Job:
        store = self._store(run_id)
        self._check_owner(store, owner)
        with self._lock:
            job = self._jobs.get(run_id)
        if job is None:
            raise ValueError(f"run {run_id} is not running in this process")
        return job

    def pause(self, run_id: str, owner: str | None = None) -> None:
        self._live_job(run_id, owner).control.pause()

    def resume(self, run_id: str, owner: str | None = None) -> None:
        self._live_job(run_id, owner).control.resume()

    def step_once(self, run_id: str, owner: str | None = None) -> None:
        """Let a paused run take one step, then pause again."""
        job = self._live_job(run_id, owner)
        if not job.control.paused:
            raise ValueError(f"run {run_id} is not paused: pause it to step through it")
        job.control.step_once()

    def set_lr(self, run_id: str, lr: float, owner: str | None = None) -> None:
        """Change a training run's peak learning rate from its next step on.

        Raises:
            ConfigError: ``optim.lr`` outside its allowed range (the same as at Start).
        """
        job = self._live_job(run_id, owner)
        replace(job.config, **{"optim.lr": lr})  # the field's own check
        job.control.set_lr(float(lr))

    def stop(self, run_id: str, owner: str | None = None) -> None:
        """Stop a run: a queued one leaves the queue, a running one checkpoints and ends."""
        job = self._live_job(run_id, owner)
        with self._lock:
            if run_id in self._queue:
                self._queue.remove(run_id)
                self._jobs.pop(run_id, None)
                job.store.write_status("stopped", message="removed from the queue")
                job.writer.close()
                return
        job.control.stop()

    def wait(self, run_id: str, timeout: float | None = None) -> dict[str, Any]:
        """Block until the run leaves the manager (or ``timeout``); return its status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.is_live(run_id):
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return self.status(run_id)

    # --- reading ------------------------------------------------------------------------------
    def is_live(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._jobs

    def running(self) -> list[str]:
        """The ids of the runs training now (at most ``max_concurrent``)."""
        with self._lock:
            return sorted(self._running)

    def queued(self) -> list[str]:
        """The ids of the runs waiting, first to start first."""
        with self._lock:
            return list(self._queue)

    def queue_position(self, run_id: str) -> int | None:
        """1 for the next run to start; None when not queued."""
        with self._lock:
            return self._queue.index(run_id) + 1 if run_id in self._queue else None

    def status(self, run_id: str) -> dict[str, Any]:
        status = dict(self._store(run_id).status() or {})
        status["live"] = self.is_live(run_id)
        status["queue_position"] = self.queue_position(run_id)
        return status

    def list(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Status of every run in the runs directory (only ``owner``'s when given)."""
        rows = []
        for store in list_runs(self.runs_dir):
            status = dict(store.status() or {})
            if owner is not None and status.get("owner", "") != owner:
                continue
            status["run_id"] = store.run_id
            status["live"] = self.is_live(store.run_id)
            rows.append(status)
        return rows

    # --- lifecycle ----------------------------------------------------------------------------
    def mark_interrupted(self) -> None:
        """Write ``interrupted`` into the runs of this machine left active by a writer that
        is gone (its lock is free), and remove the files it left half-written.

        Every viewer already reads such a run as interrupted (:meth:`RunStore.status`); this
        makes status.json say so too. The lock is taken while doing it, so a writer that
        starts at this moment is never marked.
        """
        host = socket.gethostname()
        for store in list_runs(self.runs_dir):
            status = store.recorded_status() or {}
            if status.get("state") not in ACTIVE_STATES or status.get("host", host) != host:
                continue
            try:
                lock = RunLock.acquire(store.path)
            except RunBusy:
                continue  # a live writer: leave it alone
            with lock:
                store.remove_temp_files()  # a write cut short when the process died
                store.write_status(
                    "interrupted",
                    message="the process running it ended; "
                    "resume it to continue from its last checkpoint",
                )

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop every run with a checkpoint and wait for the threads."""
        with self._lock:
            for run_id in list(self._queue):
                queued = self._jobs.pop(run_id)
                queued.store.write_status("stopped", message="server shut down")
                queued.writer.close()
            self._queue.clear()
            jobs = list(self._jobs.values())
        for job in jobs:
            job.control.stop()
        for job in jobs:
            if job.thread is not None:
                job.thread.join(timeout)


_MANAGERS: dict[Path, JobManager] = {}
_MANAGERS_LOCK = threading.Lock()


def get_manager(
    runs_dir: str | Path,
    max_concurrent: int | None = None,
    policy: ClassroomPolicy | None = None,
) -> JobManager:
    """The process-wide manager of ``runs_dir`` (created on first use).

    A ``policy`` different from the manager's replaces it (a teacher edited the class file).
    """
    key = Path(runs_dir).resolve()
    with _MANAGERS_LOCK:
        if key not in _MANAGERS:
            _MANAGERS[key] = JobManager(key, max_concurrent, policy)
        manager = _MANAGERS[key]
    if policy is not None and policy != manager.policy:
        manager.set_policy(policy)
    return manager


@atexit.register
def _shutdown_all() -> None:
    for manager in list(_MANAGERS.values()):
        manager.shutdown(timeout=10.0)
