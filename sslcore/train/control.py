"""Pause and stop requests from another thread (the job manager) to a training loop."""

from __future__ import annotations

import threading


class RunControl:
    """Thread-safe flags that the trainer checks between steps.

    The trainer never blocks inside a step: a pause takes effect at the next step boundary, a
    stop writes a checkpoint there and ends the run as ``stopped``.
    """

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused loop so it can stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def wait_while_paused(self, timeout: float = 0.5) -> None:
        self._running.wait(timeout)
