"""The training loop: views in, loss down, everything a viewer needs written to the run directory.

The trainer only trains and records. It owns no UI and no thread: the job manager runs it in a
background thread and talks to it through a :class:`RunControl`; the CLI runs it in the
foreground. Every figure it records goes to the run directory (see :mod:`sslcore.store`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import torch

from sslcore import distributed
from sslcore.augment import build_augmenter
from sslcore.checkpoint import load_checkpoint, save_checkpoint
from sslcore.config import RunConfig, to_dict
from sslcore.data import load_dataset
from sslcore.device import resolve_device, resolve_precision
from sslcore.objectives.base import ImageSpec
from sslcore.optim import build_optimizer, build_scheduler
from sslcore.seeds import SEED_STRIDE
from sslcore.store import RunStore
from sslcore.train.batches import BatchSchedule
from sslcore.train.build import build_objective, uses_channels_last
from sslcore.train.control import RunControl
from sslcore.train.monitor import Monitor, collapse_std
from sslcore.train.scalars import Scalars
from sslcore.transfer.init import record_init

log = logging.getLogger(__name__)


class Diverged(RuntimeError):
    """The loss became NaN or infinite."""


class Trainer:
    """Trains one run and records it.

    Args:
        config: the validated run configuration.
        store: the run directory (created by the caller with :meth:`RunStore.create`).
        control: pause/stop flags set from another thread (optional).
        on_progress: called with each metrics row (optional; the CLI draws its progress bar).
    """

    def __init__(
        self,
        config: RunConfig,
        store: RunStore,
        control: RunControl | None = None,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.control = control or RunControl()
        self.on_progress = on_progress
        self.peak_lr = config.optim.lr  # changed while training by RunControl.set_lr
        self.device = distributed.local_device(resolve_device(config.device))
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
        self.store.write_status(
            "running",
            message="loading data",
            started=time.time(),
            pid=os.getpid(),
            host=socket.gethostname(),
        )
        train = load_dataset(cfg.data, "train")
        test = load_dataset(cfg.data, "test")
        image = ImageSpec(channels=train.channels, size=train.size)
        # Where the initial weights came from goes into the run (once, not again on resume).
        on_init = None if resume else functools.partial(record_init, self.store)
        objective = build_objective(cfg, image, on_init).to(self.device)
        channels_last = uses_channels_last(cfg) and self.device.type != "mps"
        if channels_last:
            objective = objective.to(memory_format=torch.channels_last)
        self._compile(objective.backbone)
        optimizer = build_optimizer(objective, cfg.optim)
        scheduler = build_scheduler(optimizer, cfg.optim)
        configured_base = scheduler.base_lrs[0]  # for the peak a restored schedule holds
        scaler = torch.amp.GradScaler(enabled=self.autocast_dtype == torch.float16)
        augmenter = build_augmenter(cfg.augment)
        # Each process of a torchrun job augments its share of the batch with its own stream.
        seed = distributed.rank_seed(cfg.seed)
        data_gen = torch.Generator().manual_seed(seed)
        objective.generator = torch.Generator(self.device).manual_seed(seed + 1)
        batches = BatchSchedule(len(train), cfg.optim.batch_size, cfg.seed)
        if batches.batch_size < cfg.optim.batch_size:
            self.store.append_event(
                "warning",
                f"batch size {cfg.optim.batch_size} is larger than the {len(train)} training "
                f"images; using {batches.batch_size}",
            )
        monitor = Monitor(train, test, cfg.monitor, self.device, self._autocast)
        if not resume and distributed.is_main():
            monitor.save_probe_images(self.store)

        start, window = 0, None
        if resume and self.store.checkpoint_path().exists():
            state = load_checkpoint(self.store.checkpoint_path(), self.device)
            objective.load_state_dict(state["objective"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            streams = state["rng"].get("ranks") or [state["rng"]]  # per process under torchrun
            if distributed.rank() < len(streams):
                data_gen.set_state(streams[distributed.rank()]["data"].cpu())
                objective.generator.set_state(streams[distributed.rank()]["objective"].cpu())
            start, window = int(state["step"]), state.get("window")
            self.store.append_event("info", f"resumed from step {start}", start)

        # One module for the training steps: DDP around the objective under torchrun.
        model = distributed.parallelize(objective, self.device, cfg.optim.sync_batchnorm)
        # TensorBoard's copy of the metrics (rank 0 alone records; a resume purges later steps)
        tensorboard = cfg.monitor.tensorboard and distributed.is_main()
        self._scalars = Scalars(self.store.path, tensorboard, start)
        if configured_base:  # a learning rate changed live stays changed after a resume
            self.peak_lr = cfg.optim.lr * float(scheduler.base_lrs[0]) / float(configured_base)

        def checkpoint(step: int) -> None:
            rng: dict[str, Any] = {
                "data": data_gen.get_state(),
                "objective": objective.generator.get_state(),
            }
            every_process = distributed.gather_objects(dict(rng))
            if not distributed.is_main():
                return
            if len(every_process) > 1:
                rng["ranks"] = every_process
            # The half-summed logging window too, so the first row after a resume averages
            # the same steps, with the same values, as an uninterrupted run's.
            log_window = {"since": last_log_step, "loss": loss_sum.clone(), "components": comp_sums}
            save_checkpoint(
                self.store.checkpoint_path(),
                {
                    "objective": objective.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "step": step,
                    "rng": rng,
                    "window": log_window,
                    "config": to_dict(cfg),
                    "image": {"channels": image.channels, "size": image.size},
                },
            )

        total = cfg.optim.steps
        n_views = objective.n_views
        every = cfg.monitor
        self.store.write_status(
            "running",
            step=start,
            total_steps=total,
            message="training",
            device=str(self.device),
            world_size=distributed.world_size(),
            precision=str(self.autocast_dtype or "fp32").replace("torch.", ""),
        )
        if not resume:
            self._monitor_step(monitor, objective, 0, None, n_views)
        loss_sum = torch.zeros((), device=self.device)
        comp_sums: dict[str, torch.Tensor] = {}
        last_log_time, last_log_step, data_time = time.perf_counter(), start, 0.0
        if window is not None:
            loss_sum += window["loss"].to(self.device)
            comp_sums = {k: v.to(self.device) for k, v in window["components"].items()}
            last_log_step = int(window["since"])
        run_start = time.perf_counter()
        for step in range(start, total):
            ended = self._handle_control(step, checkpoint)
            if ended:
                return self._summary(ended, step)
            self._apply_new_lr(step, scheduler)
            objective.train()
            # Dropout (the text transformer's: SimCSE's views) draws from torch's global
            # generator, which no generator argument reaches. Seeding it from (seed, step) makes
            # every mask a function of the run's seed and step: the same whatever the process
            # did before, and the same after a resume. Runs training at once in one process
            # still share that generator.
            torch.manual_seed(seed * SEED_STRIDE + step)
            t0 = time.perf_counter()
            rows = distributed.local_slice(batches.indices(step))  # this process's share
            x = train.images[rows].to(self.device, non_blocking=True)
            views = augmenter(x, n_views, data_gen)
            if channels_last:
                views = [v.contiguous(memory_format=torch.channels_last) for v in views]
            data_time += time.perf_counter() - t0
            with self._autocast():
                out = model(views)
            loss = out.loss.float()
            # A CPU check costs nothing; on a GPU it would sync, so check on logging steps.
            if self.device.type == "cpu" or (step + 1) % every.log_every == 0:
                if not distributed.all_true(bool(torch.isfinite(loss)), self.device):
                    return self._diverged(step, float(loss.detach()))
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if cfg.optim.grad_clip > 0:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(objective.parameters(), cfg.optim.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            objective.after_step((step + 1) / total)
            loss_sum += loss.detach()
            for name, value in out.components.items():
                comp_sums[name] = comp_sums.get(name, 0.0) + value.detach().float()

            done = step + 1
            if done % every.log_every == 0 or done == total:
                now = time.perf_counter()
                n = done - last_log_step
                # Means over the processes: the loss of the global batch.
                sums = distributed.mean_over_ranks(torch.stack([loss_sum, *comp_sums.values()]))
                row: dict[str, Any] = {
                    "step": done,
                    "time": time.time(),
                    "elapsed_s": now - run_start,
                    "loss": float(sums[0]) / n,
                    "lr": scheduler.get_last_lr()[0],
                    "images_per_s": n * batches.batch_size / (now - last_log_time),
                    "step_time_s": (now - last_log_time) / n,
                    "data_time_s": data_time / n,
                }
                components = zip(comp_sums, sums[1:], strict=True)
                row.update({f"comp_{name}": float(value) / n for name, value in components})
                if out.embedding is not None:
                    row["collapse_std"] = collapse_std(out.embedding)
                row["eta_s"] = row["step_time_s"] * (total - done)
                if not math.isfinite(row["loss"]):
                    return self._diverged(step, row["loss"])
                self.store.append_metrics(row)
                self._scalars.write(row)
                self.store.write_status(
                    "running",
                    step=done,
                    images_per_s=row["images_per_s"],
                    eta_s=row["eta_s"],
                    lr_peak=self.peak_lr,
                    message="training",
                )
                if self.on_progress:
                    self.on_progress(row)
                loss_sum.zero_()
                comp_sums.clear()
                last_log_time, last_log_step, data_time = now, done, 0.0
            if done % every.eval_every == 0 or done == total:
                self._monitor_step(monitor, objective, done, views, n_views)
            if done % every.checkpoint_every == 0 or done == total:
                # A finite loss can still be followed by an update that overflows the weights:
                # never let such weights replace the last good checkpoint.
                weights = objective.state_dict().values()  # parameters and BatchNorm statistics
                finite = all(torch.isfinite(w).all() for w in weights if w.is_floating_point())
                if not distributed.all_true(finite, self.device):
                    return self._diverged(step, float("nan"))
                checkpoint(done)
        return self._summary("finished", total)

    # ------------------------------------------------------------------------------------------
    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def _compile(self, backbone: torch.nn.Module) -> None:
        """``optim.compile``: compile the backbone in place (its state_dict keys stay the same).

        Only on CUDA, where inductor's kernels pay for the first minute of compiling; on the CPU
        the run goes on uncompiled and says so in its events.
        """
        if not self.config.optim.compile:
            return
        if self.device.type != "cuda":
            self.store.append_event(
                "warning", f"optim.compile is for CUDA; training uncompiled on {self.device.type}"
            )
            return
        backbone.compile()

    def _handle_control(self, step: int, checkpoint: Callable[[int], None]) -> str:
        """Honour pause, stop and interrupt between steps; the state to end in ("" to go on).

        Under torchrun every process acts on rank 0's request, read at logging steps (one
        broadcast), so all of them take the same steps and none waits for a missing partner.
        """
        if distributed.world_size() > 1 and step % self.config.monitor.log_every:
            return ""
        request = self._request()
        if request == "pause":
            self.store.write_status("paused", step=step, message="paused")
            while request == "pause":
                self.control.wait_while_paused()
                request = self._request()
            message = "one step while paused" if request == "step" else "training"
            self.store.write_status("running", step=step, message=message)
        if request == "stop":
            checkpoint(step)
            signal_name = self.control.interrupted_by
            how = f"interrupted by {signal_name}" if signal_name else "stopped"
            self.store.append_event("info", f"{how} at step {step}", step)
            return "interrupted" if signal_name else "stopped"
        return ""

    def _request(self) -> str:
        """``stop``, ``pause``, ``step`` (one step while paused) or ``run``: what rank 0's
        control asks, the same on every process."""
        control = self.control
        if control.stop_requested:
            local = "stop"
        elif control.paused:
            local = "step" if control.take_single_step() else "pause"
        else:
            local = "run"
        return str(distributed.from_main(local))

    def _apply_new_lr(self, step: int, scheduler: torch.optim.lr_scheduler.LRScheduler) -> None:
        """A peak learning rate changed while the run trains: scale the schedule, so warm-up
        and decay keep their shape (and every parameter group its ratio to the others). The
        schedule's state, and so the change, is in every later checkpoint."""
        if distributed.world_size() > 1 and step % self.config.monitor.log_every:
            return  # under torchrun, read with the other requests (one broadcast per log)
        lr = distributed.from_main(self.control.take_lr())
        if lr is None:
            return
        ratio = lr / self.peak_lr
        scheduler.base_lrs = [base * ratio for base in scheduler.base_lrs]
        for group in scheduler.optimizer.param_groups:
            group["lr"] *= ratio
        self.store.append_event(
            "info", f"learning rate changed from {self.peak_lr:g} to {lr:g} at step {step}", step
        )
        self.peak_lr = lr

    def _monitor_step(self, monitor: Monitor, objective, step: int, views, n_views: int) -> None:
        if not distributed.is_main():
            return  # only rank 0 records (it alone writes the run directory)
        figures = monitor.record(self.store, objective, step, views, n_views)
        if figures:
            row = {"step": step, "time": time.time(), **figures}
            self.store.append_metrics(row)
            self._scalars.write(row)

    def _diverged(self, step: int, loss: float) -> dict[str, Any]:
        message = (
            f"diverged at step {step} (loss = {loss}): lower the learning rate "
            f"(now {self.peak_lr:g}) or turn on gradient clipping"
        )
        self.store.append_event("error", message, step)
        self.store.write_status("failed", step=step, message=message, finished=time.time())
        self._scalars.close()
        log.warning("%s: %s", self.store.run_id, message)
        return {"state": "failed", "step": step, "message": message}

    def _summary(self, state: str, step: int) -> dict[str, Any]:
        self._scalars.close()
        metrics = self.store.metrics()
        losses = [m["loss"] for m in metrics if "loss" in m]
        knn = [m["knn_accuracy"] for m in metrics if "knn_accuracy" in m]
        message = {
            "finished": "finished",
            "stopped": f"stopped at step {step}",
            "interrupted": f"interrupted by {self.control.interrupted_by} at step {step}; "
            "resume it to continue from there",
        }[state]
        self.store.write_status(state, step=step, message=message, finished=time.time())
        return {
            "state": state,
            "step": step,
            "first_loss": losses[0] if losses else None,
            "final_loss": losses[-1] if losses else None,
            "knn_accuracy": knn[-1] if knn else None,
            "knn_accuracy_start": knn[0] if knn else None,
        }
