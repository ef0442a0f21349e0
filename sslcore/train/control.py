"""Pause, stop and interrupt requests to a training loop, from a thread or a signal handler."""

from __future__ import annotations

import threading


class RunControl:
    """Thread-safe flags that the trainer checks between steps.

    The trainer never blocks inside a step: a pause takes effect at the next step boundary, a
    stop writes a checkpoint there and ends the run as ``stopped``, an interrupt (Ctrl-C or
    SIGTERM, see :func:`sslcore.cli.train_cmd`) does the same and ends it as ``interrupted``.
    Setting a flag is all a signal handler may safely do, so that is all these methods do.
    """

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self.interrupted_by = ""  # the signal's name once interrupted, e.g. "SIGINT"

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused loop so it can stop

    def interrupt(self, signal_name: str) -> None:
        """Stop at the next step boundary with a checkpoint, the run ending ``interrupted``."""
        self.interrupted_by = signal_name
        self.stop()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def wait_while_paused(self, timeout: float = 0.5) -> None:
        self._running.wait(timeout)
