"""Everything the trainer writes, in one place: status, metrics, events, the monitor's figures.

The trainer says what happened (a row of figures, a pause, the end); the recorder puts it in the
run directory (:mod:`sslcore.store`), copies the figures to TensorBoard when asked
(:mod:`sslcore.train.scalars`), hands each row to the command line's progress bar, and runs the
monitor (kNN, embeddings, snapshots) on the steps it is due. Under torchrun only rank 0 writes:
the other processes' stores discard what they are given, and their recorders (``main`` False)
skip TensorBoard and the monitor.

The first loss point comes first. The untrained network's record (step 0: the kNN of random
features, its map, its pictures) costs as much as a few steps (embedding the probe set and the
kNN bank); taken before the first step, it held back the first row a viewer waits for. So the
untrained weights are kept aside (:meth:`Recorder.keep_initial`) and recorded right after the
first step's row, together with that step's views (:meth:`Recorder.first_step`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from torch import Tensor

from sslcore.objectives.base import Objective
from sslcore.store import RunStore
from sslcore.train.monitor import Monitor
from sslcore.train.scalars import Scalars

log = logging.getLogger(__name__)


class Recorder:
    """Writes one run's record.

    Args:
        store: the run directory.
        on_progress: called with each training row (the CLI's progress bar), optional.
        main: False on the processes of a multi-process run that do not record (all but one).
    """

    def __init__(
        self,
        store: RunStore,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        main: bool = True,
    ) -> None:
        self.store = store
        self.on_progress = on_progress
        self.main = main
        self.monitor: Monitor | None = None
        self.scalars = Scalars(store.path, enabled=False)
        self.initial: dict[str, Tensor] | None = None  # the untrained weights, until recorded

    def open(self, monitor: Monitor, tensorboard: bool, start: int) -> None:
        """Start recording from step ``start`` (a resume's TensorBoard log drops later steps)."""
        self.monitor = monitor
        self.scalars = Scalars(self.store.path, tensorboard and self.main, start)

    def status(self, state: str, **fields: Any) -> None:
        self.store.write_status(state, **fields)

    def event(self, level: str, message: str, step: int = 0) -> None:
        self.store.append_event(level, message, step)

    def row(self, row: dict[str, Any], progress: bool = True) -> None:
        """One metrics row: metrics.jsonl, TensorBoard, and the progress bar."""
        self.store.append_metrics(row)
        self.scalars.write(row)
        if progress and self.on_progress:
            self.on_progress(row)

    def monitor_step(
        self,
        objective: Objective,
        step: int,
        views: list[Tensor] | None,
        n_views: int,
        originals: Tensor | None = None,
    ) -> None:
        """The monitor's figures and pictures at ``step`` (rank 0 alone records)."""
        if self.monitor is None or not self.main:
            return
        figures = self.monitor.record(self.store, objective, step, views, n_views, originals)
        if figures:
            self.row({"step": step, "time": time.time(), **figures}, progress=False)

    def keep_initial(self, objective: Objective) -> None:
        """Keep a copy of the untrained weights, to record as step 0 after the first step."""
        if self.monitor is not None and self.main:
            self.initial = {k: v.detach().clone() for k, v in objective.state_dict().items()}

    def first_step(
        self, objective: Objective, views: list[Tensor], n_views: int, originals: Tensor
    ) -> None:
        """After the first step's row: the views of the first batch (step 1, written in a
        moment, so pictures show with the first point rather than at the first monitor step),
        then the untrained network's record (step 0).

        The objective takes the kept weights for the record and its trained ones back after
        (both copied in place: the optimizer keeps its parameters).
        """
        if self.monitor is None or not self.main:
            return
        self.monitor.modality.save_views(self.store, 1, views, n_views, originals)
        if self.initial is not None:
            trained = {k: v.detach().clone() for k, v in objective.state_dict().items()}
            objective.load_state_dict(self.initial)
            self.monitor_step(objective, 0, None, n_views)
            objective.load_state_dict(trained)
            self.initial = None

    def diverged(self, step: int, loss: float, lr: float) -> dict[str, Any]:
        message = (
            f"diverged at step {step} (loss = {loss}): lower the learning rate "
            f"(now {lr:g}) or turn on gradient clipping"
        )
        self.event("error", message, step)
        self.status("failed", step=step, message=message, finished=time.time())
        self.scalars.close()
        log.warning("%s: %s", self.store.run_id, message)
        return {"state": "failed", "step": step, "message": message}

    def finish(self, state: str, step: int, message: str) -> dict[str, Any]:
        """The run ended ``finished``, ``stopped`` or ``interrupted``: say so, and sum it up."""
        self.scalars.close()
        metrics = self.store.metrics()
        losses = [m["loss"] for m in metrics if "loss" in m]
        # Step 1's row is one step, there for a first point on the chart at once; the summary
        # compares logging windows, so it starts from the first window after it.
        windows = [m["loss"] for m in metrics if "loss" in m and m["step"] > 1] or losses
        knn = [m["knn_accuracy"] for m in metrics if "knn_accuracy" in m]
        self.status(state, step=step, message=message, finished=time.time())
        return {
            "state": state,
            "step": step,
            "first_loss": windows[0] if windows else None,
            "final_loss": losses[-1] if losses else None,
            "knn_accuracy": knn[-1] if knn else None,
            "knn_accuracy_start": knn[0] if knn else None,
        }
