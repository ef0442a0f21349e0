"""How a run is spread over processes, in one object the loop asks instead of torch.distributed.

The trainer, its setup, steering and state never ask whether they run alone or as one of
several processes: they ask their :class:`Strategy` for the device, this process's seed and
share of each batch, the module to train (:meth:`Strategy.parallelize`), and the few
agreements between processes a run needs (a stop that every process honours, a checkpoint with
every process's random streams). Two strategies answer:

- :class:`SingleProcess`: a laptop, a notebook, the dashboard's jobs. Every answer is the
  identity: the whole batch, the run's own seed, the objective itself.
- :class:`DataParallel`: one of the processes ``torchrun`` starts, with DistributedDataParallel;
  each answer is a call to :mod:`sslcore.distributed`, whose docstring explains how a step is
  shared out (global batch, contiguous shares, gradients averaged, rank 0 alone writes).

A strategy is also the objective's :class:`~sslcore.objectives.ranks.Ranks`:
:meth:`Strategy.parallelize` hands it to the objective, whose losses gather the global batch
through it (SimCLR's negatives, Barlow Twins' and VICReg's batch statistics, DINO's centre).
:func:`for_this_process` picks the strategy from the process group the launcher set up.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch
from torch import Tensor, nn

from sslcore import distributed
from sslcore.objectives.base import Objective
from sslcore.objectives.ranks import OneProcess


class Strategy(Protocol):
    """What the training loop asks of the processes that share a run."""

    @property
    def world_size(self) -> int:
        """How many processes train the run."""
        ...

    @property
    def rank(self) -> int:
        """This process's place, 0 … world_size − 1."""
        ...

    @property
    def is_main(self) -> bool:
        """True on the process that writes the run directory and runs the monitor."""
        ...

    def device(self, configured: torch.device) -> torch.device:
        """This process's device, from the one the config resolved to (``cuda`` -> ``cuda:i``)."""
        ...

    def rank_seed(self, seed: int) -> int:
        """The seed of this process's random streams (``seed`` itself on the main process)."""
        ...

    def local_slice(self, indices: Tensor) -> Tensor:
        """This process's share of a global batch of indices."""
        ...

    def parallelize(
        self, objective: Objective, device: torch.device, sync_batchnorm: bool
    ) -> nn.Module:
        """The module to call for training steps; the objective's losses see the global batch."""
        ...

    def gather_with_grad(self, tensor: Tensor) -> Tensor:
        """Every process's rows in rank order, the gradient flowing back (a loss's gather)."""
        ...

    def mean_over_ranks(self, tensor: Tensor) -> Tensor:
        """The mean of ``tensor`` over the processes (no gradient)."""
        ...

    def all_true(self, flag: bool, device: torch.device) -> bool:
        """True only when ``flag`` is True on every process, so all take the same branch."""
        ...

    def from_main(self, value: Any) -> Any:
        """The main process's ``value`` (picklable) on every process."""
        ...

    def gather_objects(self, value: Any) -> list[Any]:
        """Every process's ``value`` (picklable), in rank order."""
        ...


class SingleProcess(OneProcess):
    """One process trains the run: every answer is the identity."""

    world_size = 1
    is_main = True

    def device(self, configured: torch.device) -> torch.device:
        return configured

    def rank_seed(self, seed: int) -> int:
        return seed

    def local_slice(self, indices: Tensor) -> Tensor:
        return indices

    def parallelize(
        self, objective: Objective, device: torch.device, sync_batchnorm: bool
    ) -> nn.Module:
        objective.ranks = self
        return objective

    def all_true(self, flag: bool, device: torch.device) -> bool:
        return flag

    def from_main(self, value: Any) -> Any:
        return value

    def gather_objects(self, value: Any) -> list[Any]:
        return [value]


class DataParallel:
    """One of the processes of a torchrun job (:mod:`sslcore.distributed`), in its process group.

    :meth:`parallelize` wraps the objective in DistributedDataParallel (with SyncBatchNorm when
    asked) and makes this strategy the objective's ``ranks``.
    """

    @property
    def world_size(self) -> int:
        return distributed.world_size()

    @property
    def rank(self) -> int:
        return distributed.rank()

    @property
    def is_main(self) -> bool:
        return distributed.is_main()

    def device(self, configured: torch.device) -> torch.device:
        return distributed.local_device(configured)

    def rank_seed(self, seed: int) -> int:
        return distributed.rank_seed(seed)

    def local_slice(self, indices: Tensor) -> Tensor:
        return distributed.local_slice(indices)

    def parallelize(
        self, objective: Objective, device: torch.device, sync_batchnorm: bool
    ) -> nn.Module:
        objective.ranks = self
        return distributed.parallelize(objective, device, sync_batchnorm)

    def gather_with_grad(self, tensor: Tensor) -> Tensor:
        return distributed.gather_with_grad(tensor)

    def mean_over_ranks(self, tensor: Tensor) -> Tensor:
        return distributed.mean_over_ranks(tensor)

    def all_true(self, flag: bool, device: torch.device) -> bool:
        return distributed.all_true(flag, device)

    def from_main(self, value: Any) -> Any:
        return distributed.from_main(value)

    def gather_objects(self, value: Any) -> list[Any]:
        return distributed.gather_objects(value)


def for_this_process() -> Strategy:
    """:class:`DataParallel` when this process is one of several in a process group (joined by
    ``sslcore train`` under torchrun, see :func:`sslcore.distributed.init_from_env`), else
    :class:`SingleProcess`."""
    return DataParallel() if distributed.world_size() > 1 else SingleProcess()
