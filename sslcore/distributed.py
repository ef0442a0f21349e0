"""One run on several processes (GPUs, nodes) under ``torchrun``, with DistributedDataParallel.

``torchrun --nproc_per_node=N -m sslcore train ...`` starts N copies of the command line; each
reads its place from the environment torchrun sets (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR``, ``MASTER_PORT``) and joins one process group (NCCL between GPUs, gloo on CPUs).
Without those variables every function here is the identity of a single process, so the same
code trains on a laptop. The training loop and the losses do not call these functions: the run's
strategy does (:class:`sslcore.train.strategy.DataParallel`), and hands itself to the objective
as the ``ranks`` its losses gather through (:mod:`sslcore.objectives.ranks`).

How one step is shared out:

- ``optim.batch_size`` is the *global* batch. Every process computes the same global indices
  from the seed (:class:`~sslcore.train.batches.BatchSchedule`) and takes its own contiguous
  slice (:func:`local_slice`), so process r holds images ``[r·b, (r+1)·b)`` of the batch,
  b = batch_size / world size: a distributed sampler that stays a pure function of the seed.
- Each process augments its slice with its own random stream (:func:`rank_seed`).
- Losses that compare images with each other see the global batch: :func:`gather_with_grad`
  is an ``all_gather`` whose gradient flows back to the process that made each row (as
  lightly's ``GatherLayer``), so SimCLR's negatives and Barlow Twins' and VICReg's batch
  statistics are global, and DINO's centre is averaged with :func:`mean_over_ranks`.
- DistributedDataParallel averages the gradients. Each process's loss is the mean over its own
  rows (or the same global loss on every process), so the averaged gradient is the gradient of
  the single-process loss over the global batch.
- Only rank 0 writes the run directory (:class:`ReadOnlyRunStore` for the others), in exactly
  the format of a single-process run, so ``ssl-lab --runs-dir`` shows it live.

Learning rate and batch size: because ``optim.batch_size`` is global, moving a run from 1 to N
GPUs with the same batch size needs no change of learning rate. When you grow the global batch
B, scale the learning rate with it: linearly, lr = base_lr · B / 256 (Goyal et al. 2017,
arXiv:1706.02677; SimCLR, BYOL and MoCo with SGD), or with the square root,
lr = base_lr · √(B / 256), for LARS and LAMB (SimCLR's appendix B.1) and for Adam/AdamW
(Malladi et al. 2022, arXiv:2205.10287).
"""

from __future__ import annotations

import os
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor, nn

from sslcore.config import ConfigError
from sslcore.seeds import SEED_STRIDE
from sslcore.store import RunStore

TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


def launched_by_torchrun() -> bool:
    """True when torchrun (or another launcher) set ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``."""
    return all(name in os.environ for name in TORCHRUN_VARIABLES)


def init_from_env(device: torch.device) -> torch.device:
    """Join the process group that torchrun describes; return this process's device.

    On CUDA each process takes the GPU ``LOCAL_RANK`` and the group uses NCCL for GPU tensors
    (gloo for the few CPU objects); on the CPU it uses gloo. Outside torchrun, or when the group
    already exists, nothing is initialised and the device is returned unchanged.

    Args:
        device: the device the run's config resolved to (``cuda``, ``cpu``).

    Raises:
        ValueError: for ``mps``, which no torch.distributed backend supports.
    """
    if not launched_by_torchrun():
        return device
    if device.type == "mps":
        raise ValueError("device: 'mps' cannot train under torchrun; use cuda or cpu")
    device = local_device(device)
    if not dist.is_initialized():
        backend = "cpu:gloo,cuda:nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend)
    return device


def local_device(device: torch.device) -> torch.device:
    """``cuda`` becomes ``cuda:LOCAL_RANK`` (and the current CUDA device) under torchrun."""
    if device.type != "cuda" or device.index is not None or not launched_by_torchrun():
        return device
    device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    torch.cuda.set_device(device)
    return device


def close() -> None:
    """Leave the process group (at the end of a torchrun command)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def world_size() -> int:
    """How many processes train this run (1 without torchrun)."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    """This process's place among them, 0 … world_size − 1 (0 without torchrun)."""
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def is_main() -> bool:
    """True on rank 0, the only process that writes the run directory and runs the monitor."""
    return rank() == 0


def rank_seed(seed: int) -> int:
    """The seed of this process's random streams: ``seed`` itself on rank 0, distinct elsewhere."""
    return seed + SEED_STRIDE * rank()


def local_batch_size(batch_size: int) -> int:
    """Images per process of a global batch of ``batch_size``.

    Raises:
        ConfigError: when the batch does not split evenly over the processes.
    """
    size = world_size()
    if batch_size % size:
        raise ConfigError(
            "optim.batch_size",
            f"the global batch of {batch_size} images does not split evenly over {size} "
            f"processes; use a multiple of {size}",
        )
    return batch_size // size


def local_slice(indices: Tensor) -> Tensor:
    """This process's contiguous share of a global batch of indices (:func:`local_batch_size`)."""
    share = local_batch_size(len(indices))
    return indices[rank() * share : (rank() + 1) * share]


class _GatherWithGrad(torch.autograd.Function):
    """all_gather forward; backward sums every process's gradient and keeps this one's rows."""

    @staticmethod
    def forward(ctx: Any, tensor: Tensor) -> Tensor:  # type: ignore[override]
        parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, tensor.contiguous())
        return torch.cat(parts)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:  # type: ignore[override]
        grad = grad.contiguous()
        dist.all_reduce(grad)  # every process's loss may depend on this process's rows
        return grad.chunk(dist.get_world_size())[dist.get_rank()]


def gather_with_grad(tensor: Tensor) -> Tensor:
    """Every process's ``tensor`` concatenated in rank order, with the gradient flowing back.

    (b, ...) on each of W processes -> (W·b, ...), rows ``[r·b, (r+1)·b)`` from rank r; the
    identity on a single process. The backward pass sums the gradients that all processes'
    losses send to each row, so with DDP's gradient averaging the update is that of the mean of
    the processes' losses. Tensors without gradient (keys for a queue) are gathered too.
    Every process must call it with the same shape.
    """
    if world_size() == 1:
        return tensor
    return _GatherWithGrad.apply(tensor)  # type: ignore[no-any-return]


def mean_over_ranks(tensor: Tensor) -> Tensor:
    """The mean of ``tensor`` over the processes (no gradient); the tensor itself on one."""
    if world_size() == 1:
        return tensor
    total = tensor.detach().clone()
    dist.all_reduce(total)
    return total / world_size()


def all_true(flag: bool, device: torch.device) -> bool:
    """True only when ``flag`` is True on every process, so all of them take the same branch."""
    if world_size() == 1:
        return flag
    value = torch.tensor(float(flag), device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MIN)
    return bool(value.item())


def from_main(value: Any) -> Any:
    """Rank 0's ``value`` (any picklable object) on every process."""
    if world_size() == 1:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def gather_objects(value: Any) -> list[Any]:
    """Every process's ``value`` (picklable), in rank order; ``[value]`` on a single process."""
    if world_size() == 1:
        return [value]
    values: list[Any] = [None] * world_size()
    dist.all_gather_object(values, value)
    return values


def parallelize(objective: nn.Module, device: torch.device, sync_batchnorm: bool) -> nn.Module:
    """The module to call for training steps: ``objective`` wrapped in DDP on several processes.

    DDP starts every process from rank 0's weights and buffers and averages the gradients.
    ``find_unused_parameters`` is on because some objectives leave parameters out of some steps
    (it costs one walk of the autograd graph per step). With ``sync_batchnorm`` the BatchNorm
    layers (backbone, heads, momentum copies) compute their statistics over the global batch;
    otherwise each GPU normalises with its own share, as in the SimCLR and MoCo papers' code
    before SyncBN. The objective itself is returned on a single process.

    Raises:
        ValueError: for ``sync_batchnorm`` with processes on the CPU (torch's SyncBatchNorm
            needs GPUs).
    """
    if world_size() == 1:
        return objective
    if sync_batchnorm:
        if device.type != "cuda":
            raise ValueError(
                "optim.sync_batchnorm: torch's SyncBatchNorm needs CUDA GPUs; turn it off for "
                "processes on the CPU"
            )
        nn.SyncBatchNorm.convert_sync_batchnorm(objective)  # replaces the layers in place
    device_ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(
        objective, device_ids=device_ids, find_unused_parameters=True
    )


class ReadOnlyRunStore(RunStore):
    """The run directory as the processes other than rank 0 see it: readable, never written.

    Rank 0 alone writes, so a multi-process run's directory has exactly the format of a
    single-process one (one status, one metrics file).
    """

    def create(self, config: dict[str, Any], owner: str = "") -> None:
        return None

    def write_config(self, config: dict[str, Any]) -> None:
        return None

    def write_status(self, state: str, **fields: Any) -> dict[str, Any]:
        return {"state": state, **fields}

    def append_metrics(self, row: dict[str, Any]) -> None:
        return None

    def append_event(self, level: str, message: str, step: int = 0) -> None:
        return None


def store_for_this_process(path: Any) -> RunStore:
    """A writing :class:`RunStore` on rank 0, a :class:`ReadOnlyRunStore` on the others."""
    return RunStore(path) if is_main() else ReadOnlyRunStore(path)
