"""The logging window: what the steps since the last metrics row add up to.

A metrics row holds the mean loss (and components) of the steps since the previous row, over
every process under torchrun. The sums stay on the device, so logging costs one transfer per
row rather than one per step. The window is part of every checkpoint: a resumed run finishes the
row the interrupted one had half-summed, with the same values, so its metrics equal those of a
run that was never interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from sslcore.objectives.ranks import Ranks


class LogWindow:
    """Sums of the loss and its components since step ``since``, and the time they took."""

    def __init__(self, device: torch.device, ranks: Ranks, since: int = 0) -> None:
        self.ranks = ranks  # the processes whose means a row holds
        self.loss = torch.zeros((), device=device)  # () sum of the steps' losses
        self.components: dict[str, Tensor] = {}  # name -> () sum
        self.since = since  # the step of the previous row
        self.opened = time.perf_counter()
        self.data_time = 0.0  # seconds spent fetching and augmenting batches

    def add(self, loss: Tensor, components: Mapping[str, Tensor]) -> None:
        self.loss += loss.detach()
        for name, value in components.items():
            self.components[name] = self.components.get(name, 0.0) + value.detach().float()

    def means(self, done: int) -> dict[str, float]:
        """``loss`` and ``comp_<name>``: means over the window's steps (and processes)."""
        n = done - self.since
        sums = self.ranks.mean_over_ranks(torch.stack([self.loss, *self.components.values()]))
        means = {"loss": float(sums[0]) / n}
        pairs = zip(self.components, sums[1:], strict=True)
        means.update({f"comp_{name}": float(value) / n for name, value in pairs})
        return means

    def timing(self, done: int, batch_size: int) -> dict[str, float]:
        """Throughput of the window: images/s, seconds per step and per batch fetched."""
        n, seconds = done - self.since, time.perf_counter() - self.opened
        return {
            "images_per_s": n * batch_size / seconds,
            "step_time_s": seconds / n,
            "data_time_s": self.data_time / n,
        }

    def restart(self, done: int) -> None:
        """Open the next window after the row of step ``done``."""
        self.loss.zero_()
        self.components.clear()
        self.since, self.opened, self.data_time = done, time.perf_counter(), 0.0

    def state_dict(self) -> dict[str, Any]:
        return {"since": self.since, "loss": self.loss.clone(), "components": dict(self.components)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        device = self.loss.device
        self.loss.copy_(state["loss"].to(device))
        self.components = {k: v.to(device) for k, v in state["components"].items()}
        self.since = int(state["since"])
