"""How a run begins and how it continues: one lifecycle for the command line and the job manager.

Creating a run takes its writer lock (:mod:`sslcore.run_lock`) before its first file is
written, and whoever created it keeps the lock until the run has ended. Resuming is two steps:

1. :func:`plan_resume` checks everything a resume needs and writes nothing: the config reads
   and validates, a checkpoint exists and says its step, a new ``steps`` is not below that step,
   the data is there, and nobody writes the run now. A refused resume leaves the run exactly as
   it was (a finished run stays finished; its config keeps its steps).
2. :func:`begin_resume` takes the lock, removes what a killed writer left half-written, cuts the
   metrics, events, snapshots and embeddings back to the checkpoint's step (so the resumed run
   writes each later step once, with the values an uninterrupted run would have), then writes the
   new config and a ``queued`` status.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from sslcore.checkpoint import load_checkpoint
from sslcore.config import RunConfig, from_dict, replace, to_dict
from sslcore.data.availability import check_available
from sslcore.run_card import build_card, write_card
from sslcore.run_lock import RunBusy, RunLock, lock_holder
from sslcore.store import RunStore, new_run_id, safe_run_dir


@dataclass
class Writer:
    """A run this process now writes: its directory, its config and its held lock."""

    store: RunStore
    config: RunConfig
    lock: RunLock
    resume: bool = False

    def close(self) -> None:
        """The run has ended here: let another writer have it."""
        self.lock.release()


@dataclass(frozen=True)
class ResumePlan:
    """A resume that has been checked: the run, its (new) config and the step it starts from."""

    store: RunStore
    config: RunConfig
    from_step: int
    new_steps: bool


def _writer_fields() -> dict[str, object]:
    return {"pid": os.getpid(), "host": socket.gethostname()}


def check_runs_dir(runs_dir: str | Path) -> Path:
    """``runs_dir`` as a Path, refusing a file where a folder of runs should be."""
    path = Path(runs_dir)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"runs folder {path} is a file: name a folder (--runs-dir)")
    return path


def create_run(
    runs_dir: str | Path, config: RunConfig, owner: str = "", run_id: str | None = None
) -> Writer:
    """A new run directory for ``config``, locked by this process, with its run card
    (``run_card.json``, :mod:`sslcore.run_card`) and a ``queued`` status.

    Args:
        runs_dir: the folder of runs.
        config: the validated configuration.
        owner: who starts it (a student's name, ``cli``, or empty).
        run_id: the id to use (under torchrun, the one rank 0 chose); default a fresh one.
    """
    run_id = run_id or new_run_id(config.name or config.objective.name)
    card = build_card(config)  # before the first file: a card that cannot be built writes nothing
    store = RunStore(safe_run_dir(check_runs_dir(runs_dir), run_id))
    lock = RunLock.acquire(store.path)
    try:
        store.create(to_dict(config), owner=owner)
        write_card(store, card)
        store.write_status("queued", **_writer_fields())
    except BaseException:
        lock.release()
        raise
    return Writer(store, config, lock)


def plan_resume(store: RunStore, steps: int | None = None) -> ResumePlan:
    """Check that ``store``'s run can continue (to ``steps`` in all, when given); write nothing.

    Raises:
        FileNotFoundError: not a run directory, or its data is missing.
        ValueError: unreadable config or checkpoint, or ``steps`` below the step reached.
        ConfigError: the new ``steps`` is out of range.
        RunBusy: another process or thread writes the run now.
    """
    if not store.exists():
        raise FileNotFoundError(f"{store.path} is not a run directory (no config.json)")
    config = from_dict(RunConfig, store.readable_config())
    if not store.checkpoint_path().exists():
        raise ValueError(f"run {store.run_id} has no checkpoint to resume from")
    from_step = int(load_checkpoint(store.checkpoint_path(), mmap=True)["step"])
    if steps is not None:
        if steps < from_step:
            raise ValueError(
                f"steps: {steps} is below the {from_step} steps run {store.run_id} has already "
                f"trained; give {from_step} or more"
            )
        config = replace(config, **{"optim.steps": steps})
    if config.optim.steps <= from_step:
        raise ValueError(
            f"run {store.run_id} has already trained all its {config.optim.steps} steps: give "
            "a larger total (--steps) to train it longer"
        )
    check_available(config.data)
    holder = lock_holder(store.path)
    if holder is not None:
        raise RunBusy(store.path, holder)
    return ResumePlan(store, config, from_step, new_steps=steps is not None)


def begin_resume(plan: ResumePlan) -> Writer:
    """Take the run's lock and prepare its files for the resume :func:`plan_resume` checked.

    Raises:
        RunBusy: another writer took the run since it was planned (nothing was written).
    """
    store = plan.store
    lock = RunLock.acquire(store.path)
    try:
        store.remove_temp_files()  # no one else writes: what is half-written is a dead writer's
        store.cut_back(plan.from_step)
        if plan.new_steps:
            store.write_config(to_dict(plan.config))
        store.write_status(
            "queued",
            step=plan.from_step,
            total_steps=plan.config.optim.steps,
            message="waiting to resume",
            **_writer_fields(),
        )
    except BaseException:
        lock.release()
        raise
    return Writer(store, plan.config, lock, resume=True)
