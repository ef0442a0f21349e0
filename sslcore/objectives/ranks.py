"""The processes a loss sees the global batch through, given to it as a parameter.

Some losses compare images with each other (SimCLR's negatives, Barlow Twins' and VICReg's
batch statistics, DINO's centre, MoCo's and NNCLR's queues), so what they compute depends on
which batch they see. On several processes each holds only its share b of the global batch B;
such a loss takes a :class:`Ranks` and calls its collectives to see all B rows. The loss stays a
pure function: with :data:`ONE_PROCESS`, the default, every collective is the identity, and
it is the single-process loss a test can compare with lightly's.

The trainer's strategy (:mod:`sslcore.train.strategy`) is the :class:`Ranks` of a run: it sets
:attr:`Objective.ranks <sslcore.objectives.base.Objective.ranks>` to itself, and the objective
passes it on to its losses.
"""

from __future__ import annotations

from typing import Protocol

from torch import Tensor


class Ranks(Protocol):
    """The collectives a loss may need across the processes that share a batch."""

    @property
    def rank(self) -> int:
        """This process's place, 0 … W − 1: its rows are ``[rank·b, (rank+1)·b)`` of the batch."""
        ...

    def gather_with_grad(self, tensor: Tensor) -> Tensor:
        """(b, ...) on each of W processes -> (W·b, ...) in rank order, with the gradient
        flowing back to the process that made each row."""
        ...

    def mean_over_ranks(self, tensor: Tensor) -> Tensor:
        """The mean of ``tensor`` over the processes (no gradient)."""
        ...


class OneProcess:
    """A single process: it holds the whole batch, so every collective is the identity."""

    rank = 0

    def gather_with_grad(self, tensor: Tensor) -> Tensor:
        return tensor

    def mean_over_ranks(self, tensor: Tensor) -> Tensor:
        return tensor


ONE_PROCESS = OneProcess()
