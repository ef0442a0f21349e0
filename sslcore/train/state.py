"""Everything a run needs to continue exactly where it stopped, saved and restored as one.

The weights (and BatchNorm statistics, EMA teachers, queues: all in the objective's state
dict), the optimizer's moments, the schedule (with a learning rate changed live), the step, the
random streams of every process (its data augmentation and the objective's own draws) and the
half-summed logging window. A checkpoint holds plain tensors, numbers and dicts only, so
``torch.load(weights_only=True)`` reads it (see :mod:`sslcore.checkpoint`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from sslcore.checkpoint import load_checkpoint, load_weights, save_checkpoint
from sslcore.config import RunConfig, to_dict
from sslcore.objectives.base import ImageSpec, Objective
from sslcore.train.log_window import LogWindow
from sslcore.train.strategy import Strategy


@dataclass
class TrainState:
    """A run's state between two steps; ``step`` counts the steps done."""

    objective: Objective
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    data_gen: torch.Generator  # this process's augmentation stream
    window: LogWindow
    strategy: Strategy  # whose processes each give their streams to a checkpoint
    step: int = 0

    def save(self, path: Path, config: RunConfig, image: ImageSpec) -> None:
        """Write the checkpoint (the main process writes; every process gives its streams)."""
        rng: dict[str, Any] = {
            "data": self.data_gen.get_state(),
            "objective": self.objective.generator.get_state(),
        }
        every_process = self.strategy.gather_objects(dict(rng))
        if not self.strategy.is_main:
            return
        if len(every_process) > 1:
            rng["ranks"] = every_process
        save_checkpoint(
            path,
            {
                "objective": self.objective.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "step": self.step,
                "rng": rng,
                "window": self.window.state_dict(),
                "config": to_dict(config),
                "image": {"channels": image.channels, "size": image.size},
            },
        )

    def restore(self, path: Path, device: torch.device) -> list[str]:
        """Load the checkpoint at ``path`` into this state (each process its own streams); the
        names of weights the method gained since it was saved, which start fresh. With any, the
        optimizer starts fresh too: its saved state has no slot for them."""
        state = load_checkpoint(path, device)
        added = load_weights(self.objective, state["objective"])
        if not added:
            self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        streams = state["rng"].get("ranks") or [state["rng"]]  # per process under torchrun
        rank = self.strategy.rank
        if rank < len(streams):
            self.data_gen.set_state(streams[rank]["data"].cpu())
            self.objective.generator.set_state(streams[rank]["objective"].cpu())
        self.step = int(state["step"])
        if state.get("window") is not None:
            self.window.load_state_dict(state["window"])
        else:  # a checkpoint from before windows were saved: start a fresh one
            self.window.restart(self.step)
        return added
