"""The trainer against a bare PyTorch loop of the same model, loss, batch and augmentations.

Both loops train SimCLR (the registry's objective, so the same projector and NT-Xent) on
``shapes`` with the same backbone, batch, optimizer and batched augmentations; the bare loop is
what a researcher would write by hand: index a batch, augment, forward, backward, step. The
trainer adds its logging, schedule, divergence checks and checkpointing; its live monitor is
pushed past the measured window, so the ratio shows the cost of the training loop itself.

Run: ``python benchmarks/engine_vs_bare.py [--backbone convnet|resnet18] [--steps 30]``.
Prints a markdown row; the target is a ratio of at least 0.95.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import tempfile
import time
from pathlib import Path

import torch

from sslcore.augment import build_augmenter
from sslcore.config import RunConfig, replace, to_dict
from sslcore.data import load_dataset
from sslcore.device import resolve_device, resolve_precision
from sslcore.objectives.base import ImageSpec
from sslcore.optim import build_optimizer
from sslcore.recipes import recipe_config
from sslcore.store import RunStore
from sslcore.train import Trainer
from sslcore.train.build import build_objective, uses_channels_last

LOG_EVERY = 5  # the trainer's default logs every 10 steps; warm-up and steps are multiples of 5


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (GPU kernels run asynchronously), so clocks are fair."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bare_loop(config: RunConfig, steps: int, warmup: int) -> float:
    """Images per second of a hand-written loop (timed after ``warmup`` steps).

    It runs on ``config.device`` in ``config.optim.precision`` (autocast, as the trainer
    resolves it), channels_last for CNNs, and through ``torch.compile`` when
    ``config.optim.compile`` is set.
    """
    device = resolve_device(config.device)
    dtype = resolve_precision(config.optim.precision, device)
    train = load_dataset(config.data, "train")
    objective = build_objective(config, ImageSpec(train.channels, train.size)).to(device)
    channels_last = uses_channels_last(config)
    if channels_last:
        objective = objective.to(memory_format=torch.channels_last)
    optimizer = build_optimizer(objective, config.optim)
    model = torch.compile(objective) if config.optim.compile else objective
    augment = build_augmenter(config.augment)
    generator = torch.Generator().manual_seed(0)
    batch = config.optim.batch_size
    start = 0.0
    for step in range(warmup + steps):
        if step == warmup:
            synchronize(device)
            start = time.perf_counter()
        index = torch.randint(len(train), (batch,), generator=generator)
        views = augment(train.images[index].to(device, non_blocking=True), 2, generator)
        if channels_last:
            views = [v.contiguous(memory_format=torch.channels_last) for v in views]
        with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
            loss = model(views).loss
        optimizer.zero_grad(set_to_none=True)
        loss.float().backward()
        optimizer.step()
    synchronize(device)
    return steps * batch / (time.perf_counter() - start)


def engine(config: RunConfig, steps: int, warmup: int) -> float:
    """Images per second of :class:`Trainer`, from its own metric lines after ``warmup``."""
    config = replace(
        config,
        **{
            "optim.steps": warmup + steps + 1,
            "monitor.log_every": LOG_EVERY,
            "monitor.eval_every": 100_000,
            "monitor.checkpoint_every": 100_000,
            "monitor.probe_size": 32,
        },
    )
    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "run")
        store.create(to_dict(config))
        Trainer(config, store).run()
        elapsed = {m["step"]: m["elapsed_s"] for m in store.metrics() if "elapsed_s" in m}
    return steps * config.optim.batch_size / (elapsed[warmup + steps] - elapsed[warmup])


def alternate(config: RunConfig, steps: int, warmup: int, rounds: int) -> tuple[float, float]:
    """Best images/s of the bare loop and of the trainer, run in turn ``rounds`` times so drift
    on a shared machine hits both alike."""
    bare: list[float] = []
    ours: list[float] = []
    for _ in range(rounds):
        bare.append(bare_loop(config, steps, warmup))
        ours.append(engine(config, steps, warmup))
    return max(bare), max(ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backbone", default="convnet")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    if args.steps % LOG_EVERY or args.warmup % LOG_EVERY:
        parser.error(f"--steps and --warmup must be multiples of {LOG_EVERY} (the logging step)")
    config = replace(
        recipe_config("simclr"),
        **{
            "backbone.name": args.backbone,
            "optim.batch_size": args.batch_size,
            "optim.precision": "fp32",
            "data.train_size": 4096,
        },
    )
    b, o = alternate(config, args.steps, args.warmup, rounds=2)
    print(
        f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} "
        f"threads, torch {torch.__version__}, {datetime.date.today()}"
    )
    print("| backbone | batch | bare loop img/s | trainer img/s | ratio |")
    print("|---|---|---|---|---|")
    print(f"| {args.backbone} | {args.batch_size} | {b:.0f} | {o:.0f} | {o / b:.2f} |")


if __name__ == "__main__":
    main()
