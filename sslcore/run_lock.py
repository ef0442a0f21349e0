"""One writer per run: an operating-system lock held for as long as a process writes a run.

Two processes that write one run directory interleave its metrics (steps 100, 85, 90, 100...)
and overwrite each other's checkpoints. So whoever writes a run (a job manager from the moment
it queues the run, ``sslcore train`` and ``sslcore resume`` from the moment they start) first
takes the run's lock, ``<run>/.writer.lock``, and keeps it until the run has ended:

- the lock is ``flock(LOCK_EX)`` on that file, and the kernel drops it when the process ends,
  however it ends (SIGKILL included). A lock left by a dead process is therefore no lock: the
  next writer takes it over with no guessing about process ids that the system may have reused;
- the file holds who took it (pid, host, time), so a refused writer can say who holds it;
- a reader asks :func:`lock_holder`: an active run whose lock nobody holds has lost its process,
  and reads as ``interrupted`` everywhere (see :meth:`sslcore.store.RunStore.status`).

The lock is per open file, so two threads of one process that each open it also exclude each
other: a job manager's run and a ``resume`` from the same notebook cannot both write.
It works on local file systems (Linux, macOS); on network file systems flock may only exclude
processes of the same machine.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

LOCK_NAME = ".writer.lock"


class RunBusy(RuntimeError):
    """Another process (or thread) is writing this run."""

    def __init__(self, run_dir: Path, holder: dict[str, Any]) -> None:
        who = f"process {holder.get('pid', '?')} on {holder.get('host', '?')}"
        super().__init__(
            f"run {run_dir.name} is being written by {who}: wait for it to end, or stop it "
            "there (its dashboard's Stop, or Ctrl-C in its terminal), then try again"
        )
        self.holder = holder


class RunLock:
    """The held lock of one run directory; :meth:`release` (or process exit) lets it go."""

    def __init__(self, run_dir: Path, fd: int) -> None:
        self.run_dir = run_dir
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, run_dir: str | Path) -> RunLock:
        """Take ``run_dir``'s lock without waiting.

        Raises:
            RunBusy: someone alive holds it (their pid and host are in the message).
        """
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(run_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunBusy(run_dir, lock_holder(run_dir) or {}) from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        return cls(run_dir, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Let the lock go (idempotent). The file stays; an unlocked file means no writer."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the last descriptor of the open file drops the flock

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_holder(run_dir: str | Path) -> dict[str, Any] | None:
    """Who writes ``run_dir`` now (``pid``, ``host``, ``since``), or None when nobody does."""
    path = Path(run_dir) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
            except ValueError:
                holder = {}  # taken this instant, its details not yet written
            return holder if isinstance(holder, dict) else {}
        return None  # we could take it: nobody holds it
    finally:
        os.close(fd)  # also drops the shared lock just taken
