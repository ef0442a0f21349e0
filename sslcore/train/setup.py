"""What a run trains with, built once before its first step: the data, the objective on its
device, the optimizer and schedule, the random streams, the monitor and, when resuming, the
state of the last checkpoint (see :class:`~sslcore.train.state.TrainState`).

The order matters for reproducibility: weights are drawn from the run's seed
(:func:`~sslcore.train.build.build_objective`), each process gets its own augmentation stream,
and a resume restores all of it after everything is built.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from sslcore.augment import build_augmenter
from sslcore.config import RunConfig
from sslcore.data import ImageDataset, load_dataset
from sslcore.device import autocast
from sslcore.objectives.base import ImageSpec
from sslcore.optim import build_optimizer, build_scheduler
from sslcore.store import RunStore
from sslcore.train.batches import BatchSchedule
from sslcore.train.build import build_objective, compile_backbone, uses_channels_last
from sslcore.train.log_window import LogWindow
from sslcore.train.monitor import Monitor
from sslcore.train.recorder import Recorder
from sslcore.train.state import TrainState
from sslcore.train.strategy import Strategy
from sslcore.transfer.init import record_init


@dataclass
class Setup:
    """What a run trains with."""

    train: ImageDataset
    image: ImageSpec
    model: nn.Module  # the objective, as the strategy parallelised it (DDP under torchrun)
    state: TrainState
    augmenter: Callable[..., list[Tensor]]
    batches: BatchSchedule
    scaler: torch.amp.GradScaler
    seed: int  # this process's seed
    channels_last: bool
    autocast_dtype: torch.dtype | None
    peak_lr: float  # the config's, or the one a live change left in the checkpoint


def build_setup(
    cfg: RunConfig,
    store: RunStore,
    recorder: Recorder,
    device: torch.device,
    autocast_dtype: torch.dtype | None,
    resume: bool,
    strategy: Strategy,
) -> Setup:
    """Build the run ``cfg`` describes on ``device`` (from its checkpoint when ``resume``), on
    the processes of ``strategy``."""
    train, test = load_dataset(cfg.data, "train"), load_dataset(cfg.data, "test")
    image = ImageSpec(channels=train.channels, size=train.size)
    # Where the initial weights came from goes into the run (once, not again on resume).
    on_init = None if resume else functools.partial(record_init, store)
    objective = build_objective(cfg, image, on_init).to(device)
    channels_last = uses_channels_last(cfg) and device.type != "mps"
    if channels_last:
        objective = objective.to(memory_format=torch.channels_last)
    if cfg.optim.compile and not compile_backbone(objective, device):
        message = f"optim.compile is for CUDA; training uncompiled on {device.type}"
        recorder.event("warning", message)
    optimizer = build_optimizer(objective, cfg.optim)
    scheduler = build_scheduler(optimizer, cfg.optim)
    configured_base = float(scheduler.base_lrs[0])  # to read a restored schedule's peak
    scaler = torch.amp.GradScaler(enabled=autocast_dtype == torch.float16)
    augmenter = build_augmenter(cfg.augment)
    # Each process of a torchrun job augments its share of the batch with its own stream.
    seed = strategy.rank_seed(cfg.seed)
    data_gen = torch.Generator().manual_seed(seed)
    objective.generator = torch.Generator(device).manual_seed(seed + 1)
    window = LogWindow(device, strategy)
    state = TrainState(objective, optimizer, scheduler, data_gen, window, strategy)
    batches = BatchSchedule(len(train), cfg.optim.batch_size, cfg.seed)
    if batches.batch_size < cfg.optim.batch_size:
        recorder.event(
            "warning",
            f"batch size {cfg.optim.batch_size} is larger than the {len(train)} training "
            f"images; using {batches.batch_size}",
        )
    mixed = functools.partial(autocast, device, autocast_dtype)
    monitor = Monitor(train, test, cfg.monitor, device, mixed)
    if not resume and strategy.is_main:
        monitor.save_probe_images(store)
    peak_lr = cfg.optim.lr
    if resume and store.checkpoint_path().exists():
        added = state.restore(store.checkpoint_path(), device)
        recorder.event("info", f"resumed from step {state.step}", state.step)
        if added:
            recorder.event(
                "warning",
                f"the checkpoint predates {', '.join(added)}: those weights start fresh, and "
                "so does the optimizer's state (its moments build up again)",
                state.step,
            )
        if configured_base:  # a learning rate changed live stays changed
            peak_lr = cfg.optim.lr * float(scheduler.base_lrs[0]) / configured_base
    recorder.open(monitor, cfg.monitor.tensorboard, state.step)
    model = strategy.parallelize(objective, device, cfg.optim.sync_batchnorm)
    return Setup(train, image, model, state, augmenter, batches, scaler, seed, channels_last,
                 autocast_dtype, peak_lr)  # fmt: skip
