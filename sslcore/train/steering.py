"""Between two steps, a run does what it is asked: pause, take one step, stop, stop because of a
signal, or train on with a new learning rate (see :class:`~sslcore.train.control.RunControl`).

On several processes every one acts on the main process's request, read at logging steps (one
broadcast through the run's :class:`~sslcore.train.strategy.Strategy`), so all of them take the
same steps and none waits for a missing partner.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from sslcore.train.control import RunControl
from sslcore.train.recorder import Recorder
from sslcore.train.strategy import Strategy


class Steering:
    """Applies a run's control requests at step boundaries; ``peak_lr`` is the one in force."""

    def __init__(
        self,
        control: RunControl,
        recorder: Recorder,
        log_every: int,
        peak_lr: float,
        strategy: Strategy,
    ) -> None:
        self.control, self.recorder, self.log_every = control, recorder, log_every
        self.peak_lr = peak_lr
        self.strategy = strategy

    def between_steps(
        self, step: int, scheduler: torch.optim.lr_scheduler.LRScheduler, save: Callable[[], None]
    ) -> str:
        """Honour the requests before ``step``; the state the run must end in ("" to go on).

        ``save`` writes a checkpoint (a stopped or interrupted run continues from it).
        """
        if self.strategy.world_size > 1 and step % self.log_every:
            return ""
        request = self._request()
        if request == "pause":
            self.recorder.status("paused", step=step, message="paused")
            while request == "pause":
                self.control.wait_while_paused()
                request = self._request()
            message = "one step while paused" if request == "step" else "training"
            self.recorder.status("running", step=step, message=message)
        if request == "stop":
            save()
            signal_name = self.control.interrupted_by
            how = f"interrupted by {signal_name}" if signal_name else "stopped"
            self.recorder.event("info", f"{how} at step {step}", step)
            return "interrupted" if signal_name else "stopped"
        self._apply_new_lr(step, scheduler)
        return ""

    def _request(self) -> str:
        """``stop``, ``pause``, ``step`` (one step while paused) or ``run``, as the main process
        asks."""
        control = self.control
        if control.stop_requested:
            local = "stop"
        elif control.paused:
            local = "step" if control.take_single_step() else "pause"
        else:
            local = "run"
        return str(self.strategy.from_main(local))

    def _apply_new_lr(self, step: int, scheduler: torch.optim.lr_scheduler.LRScheduler) -> None:
        """A new peak learning rate scales the schedule, so warm-up and decay keep their shape
        (and every parameter group its ratio to the others); the schedule's state, and so the
        change, is in every later checkpoint."""
        lr = self.strategy.from_main(self.control.take_lr())
        if lr is None:
            return
        ratio = lr / self.peak_lr
        scheduler.base_lrs = [base * ratio for base in scheduler.base_lrs]
        for group in scheduler.optimizer.param_groups:
            group["lr"] *= ratio
        message = f"learning rate changed from {self.peak_lr:g} to {lr:g} at step {step}"
        self.recorder.event("info", message, step)
        self.peak_lr = lr
