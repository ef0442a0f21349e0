"""The training loop, in nanoGPT's manner: one step, and a short loop that says what is due.

:meth:`Trainer.step` is one update: a batch, its augmented views, the loss, the gradients, the
optimizer and schedule, the objective's own after-step (an EMA teacher's update).
:meth:`Trainer.run` builds the run (data, objective, optimizer, :class:`TrainState`), then loops:
honour pause and stop, take a step, and on the steps they are due log a metrics row, run the
monitor and write a checkpoint. The first step is always logged, and its views saved, so a
viewer sees a loss point and pictures within a second of Start; the untrained network's record
(step 0) follows it (see :mod:`sslcore.train.recorder`). Everything written goes through the
:class:`Recorder`; everything a resume needs is in the :class:`TrainState`.

The trainer owns no UI and no thread: the job manager runs it in a background thread and talks to
it through a :class:`RunControl`; the command line runs it in the foreground. Whether it is one
of several processes it never asks: its :class:`~sslcore.train.strategy.Strategy` answers.
"""

from __future__ import annotations

import functools
import math
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from sslcore.config import RunConfig
from sslcore.device import autocast, resolve_device, resolve_precision
from sslcore.objectives.base import StepOutput
from sslcore.seeds import SEED_STRIDE
from sslcore.store import RunStore
from sslcore.train.control import RunControl
from sslcore.train.monitor import collapse_std
from sslcore.train.recorder import Recorder
from sslcore.train.setup import Setup, build_setup
from sslcore.train.steering import Steering
from sslcore.train.strategy import Strategy, for_this_process
from sslcore.train.time_left import Pace


class Diverged(RuntimeError):
    """The loss (or the weights) became NaN or infinite at ``step``."""

    def __init__(self, step: int, loss: float) -> None:
        super().__init__(f"diverged at step {step}")
        self.step, self.loss = step, loss


def due(done: int, every: int, total: int) -> bool:
    return done % every == 0 or done == total


class Trainer:
    """Trains one run and records it.

    Args:
        config: the validated run configuration.
        store: the run directory (created by the caller, see :mod:`sslcore.lifecycle`).
        control: pause/stop/interrupt requests and live knobs from another thread (optional).
        on_progress: called with each metrics row (optional; the CLI draws its progress bar).
        strategy: one process or one of several (optional; by default
            :func:`~sslcore.train.strategy.for_this_process`).
    """

    def __init__(
        self,
        config: RunConfig,
        store: RunStore,
        control: RunControl | None = None,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        strategy: Strategy | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.control = control or RunControl()
        self.strategy = strategy or for_this_process()
        self.recorder = Recorder(store, on_progress, self.strategy.is_main)
        self.steering = Steering(
            self.control, self.recorder, config.monitor.log_every, config.optim.lr, self.strategy
        )
        self.device = self.strategy.device(resolve_device(config.device))
        self.autocast_dtype = resolve_precision(config.optim.precision, self.device)

    def run(self, resume: bool = False) -> dict[str, Any]:
        """Train to ``optim.steps`` (from the last checkpoint when ``resume``); return a summary.

        The final state is written to status.json: ``finished``, ``stopped``, ``interrupted``
        (a signal, see :meth:`RunControl.interrupt`) or ``failed`` (divergence). Other
        exceptions propagate to the caller, which records them.
        """
        cfg = self.config
        if cfg.num_threads:
            torch.set_num_threads(cfg.num_threads)  # per thread: set first thing
        started = {"started": time.time(), "pid": os.getpid(), "host": socket.gethostname()}
        self.recorder.status("running", message="loading data", **started)
        setup = build_setup(
            cfg, self.store, self.recorder, self.device, self.autocast_dtype, resume, self.strategy
        )
        self.steering.peak_lr = setup.peak_lr
        objective = setup.state.objective
        self.recorder.status(
            "running",
            step=setup.state.step,
            total_steps=cfg.optim.steps,
            message="training",
            device=str(self.device),
            world_size=self.strategy.world_size,
            precision=str(self.autocast_dtype or "fp32").replace("torch.", ""),
        )
        if not resume:
            self.recorder.keep_initial(objective)  # recorded as step 0 after the first row
        try:
            return self._loop(setup)
        except Diverged as err:
            return self.recorder.diverged(err.step, err.loss, self.steering.peak_lr)

    def _loop(self, setup: Setup) -> dict[str, Any]:
        every, total, state = self.config.monitor, self.config.optim.steps, setup.state
        self.started, self.pace = time.perf_counter(), Pace()
        save = functools.partial(state.save, self.store.checkpoint_path(), self.config, setup.image)
        for step in range(state.step, total):
            ended = self.steering.between_steps(step, state.scheduler, save)
            if ended:
                return self._finish(ended, step)
            batch, views, out = self.step(setup, step)
            done = state.step = step + 1
            if due(done, every.log_every, total) or done == 1:  # a first point at once
                self._log(setup, done, out)
            if done == 1:
                self.recorder.first_step(state.objective, views, len(views), batch)
            if due(done, every.eval_every, total):
                self.recorder.monitor_step(state.objective, done, views, len(views), batch)
            if due(done, every.checkpoint_every, total):
                self._checkpoint(setup, done)
        return self._finish("finished", total)

    def step(self, setup: Setup, step: int) -> tuple[Tensor, list[Tensor], StepOutput]:
        """One update on the batch of ``step``; the batch, the views it trained on and the
        objective's output. Raises :class:`Diverged` on a loss that is not finite (before it is
        applied)."""
        cfg, state = self.config, setup.state
        objective = state.objective
        objective.train()
        # Dropout (the text transformer's: SimCSE's views) draws from torch's global generator,
        # which no generator argument reaches. Seeding it from (seed, step) makes every mask a
        # function of the run's seed and step: the same whatever the process did before, and
        # the same after a resume. Runs training at once in one process still share it.
        torch.manual_seed(setup.seed * SEED_STRIDE + step)
        fetch_start = time.perf_counter()
        rows = self.strategy.local_slice(setup.batches.indices(step))  # this process's share
        x = setup.train.images[rows].to(self.device, non_blocking=True)
        views = setup.augmenter(x, objective.n_views, state.data_gen)
        if setup.channels_last:
            views = [v.contiguous(memory_format=torch.channels_last) for v in views]
        state.window.data_time += time.perf_counter() - fetch_start
        with autocast(self.device, setup.autocast_dtype):
            out = setup.model(views)
        loss = out.loss.float()
        # A CPU check costs nothing; on a GPU it would sync, so check on logging steps.
        if self.device.type == "cpu" or (step + 1) % cfg.monitor.log_every == 0:
            if not self.strategy.all_true(bool(torch.isfinite(loss)), self.device):
                raise Diverged(step, float(loss.detach()))
        state.optimizer.zero_grad(set_to_none=True)
        setup.scaler.scale(loss).backward()
        if cfg.optim.grad_clip > 0:
            setup.scaler.unscale_(state.optimizer)
            torch.nn.utils.clip_grad_norm_(objective.parameters(), cfg.optim.grad_clip)
        setup.scaler.step(state.optimizer)
        setup.scaler.update()
        state.scheduler.step()
        objective.after_step((step + 1) / cfg.optim.steps)
        state.window.add(loss, out.components)
        return x, views, out

    def _log(self, setup: Setup, done: int, out: StepOutput) -> None:
        """A metrics row of the steps since the last one, and the status that goes with it."""
        window, total = setup.state.window, self.config.optim.steps
        row: dict[str, Any] = {
            "step": done,
            "time": time.time(),
            "elapsed_s": time.perf_counter() - self.started,
            **window.means(done),  # over the processes: the loss of the global batch
            "lr": setup.state.scheduler.get_last_lr()[0],
            **window.timing(done, setup.batches.batch_size),
        }
        if out.embedding is not None:
            row["collapse_std"] = collapse_std(out.embedding)
        row["eta_s"] = self.pace.time_left(row, total)
        if not math.isfinite(row["loss"]):
            raise Diverged(done - 1, row["loss"])
        self.recorder.row(row)
        self.recorder.status(
            "running",
            step=done,
            images_per_s=row["images_per_s"],
            eta_s=row["eta_s"],
            lr_peak=self.steering.peak_lr,
            message="training",
        )
        window.restart(done)

    def _checkpoint(self, setup: Setup, done: int) -> None:
        # A finite loss can still be followed by an update that overflows the weights: never
        # let such weights replace the last good checkpoint.
        weights = setup.state.objective.state_dict().values()  # parameters and BatchNorm stats
        finite = all(torch.isfinite(w).all() for w in weights if w.is_floating_point())
        if not self.strategy.all_true(finite, self.device):
            raise Diverged(done - 1, float("nan"))
        setup.state.save(self.store.checkpoint_path(), self.config, setup.image)

    def _finish(self, state: str, step: int) -> dict[str, Any]:
        message = {
            "finished": "finished",
            "stopped": f"stopped at step {step}",
            "interrupted": f"interrupted by {self.control.interrupted_by} at step {step}; "
            "resume it to continue from there",
        }[state]
        return self.recorder.finish(state, step, message)
