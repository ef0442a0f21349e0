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
        self._single_step = threading.Event()
        self._lock = threading.Lock()
        self._new_lr: float | None = None
        self.interrupted_by = ""  # the signal's name once interrupted, e.g. "SIGINT"

    def pause(self) -> None:
        self._single_step.clear()
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused loop so it can stop

    def step_once(self) -> None:
        """While paused: take one step, then pause again (to watch a single update)."""
        self._single_step.set()

    def take_single_step(self) -> bool:
        """True (once) when a single step was asked for."""
        asked = self._single_step.is_set()
        self._single_step.clear()
        return asked

    def set_lr(self, lr: float) -> None:
        """Ask for a new peak learning rate, applied at the next step boundary."""
        with self._lock:
            self._new_lr = lr

    def take_lr(self) -> float | None:
        """The new peak learning rate asked for since the last call, if any."""
        with self._lock:
            lr, self._new_lr = self._new_lr, None
        return lr

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
