"""The lab's SimCLR end to end against lightly's own SimCLR recipe, same model, batch and optimizer.

- **lightly**: what its SimCLR tutorial writes. A torch ``Dataset`` of PIL images whose
  ``__getitem__`` runs :class:`lightly.transforms.SimCLRTransform` on one image at a time, a
  ``DataLoader`` collating 256 of them (two views each, so 512 views a step), the backbone and
  lightly's SimCLR projection head (its ``ProjectionHead`` in SimCLR v1's layout) called once
  per view (``z0 = model(x0)``, ``z1 = model(x1)``), lightly's ``NTXentLoss``, backward,
  optimizer step; the model in PyTorch's default (contiguous) memory layout.
- **sslcore**: the lab's real :class:`~sslcore.train.Trainer` on the same images: batched
  augmentation with per-image parameters, one forward pass over both views, channels_last, its
  logging, schedule and checks (the live monitor is pushed past the measured window).

Both train the convnet (width 32: 32-64-128-256) from the *same initial weights* (lightly's head
gets the lab's projector weights copied in), with AdamW at the SimCLR recipe's learning rate and
the same warm-up + cosine schedule, in fp32, at temperature 0.2, on ``shapes`` at 32x32.
lightly's transform is set to the lab's ``simclr`` preset: crop scale 0.3-1, flip 0.5, colour
jitter strength 0.75 with p=0.8 and the hue turned up to 0.5 (``cj_hue`` = 0.5 / strength),
grayscale 0.2, blur 0.5. Two differences remain: lightly's transform has no normalisation here
(``normalize=None``: the backbone maps [0, 1] to [-1, 1] itself, as in the lab), and lightly's
recipe passes the two views through the network separately, so BatchNorm sees 256 images at a
time where the lab's single pass sees 512. The loss curves therefore differ only by the random
augmentations and those BatchNorm statistics.

The two alternate in rounds (lightly, sslcore, lightly, sslcore, ...), each round a fresh start
from the same weights: drift on a shared machine hits both alike. Views/s and the share of step
time spent waiting for data are the medians over rounds, timed after the warm-up steps;
"waiting for data" is the time the step spends getting its views (lightly: ``next(loader)``;
sslcore: the trainer's own ``data_time_s``). Losses are means over the first and the last
``LOG_EVERY`` steps, averaged over rounds.

Run: ``python benchmarks/lightly_end_to_end.py [--steps 10] [--rounds 2] [--workers 0]
[--lightly-channels-last]`` (the defaults fit in about 3 minutes on 2 loaded cores; use
``--steps 30 --rounds 3`` on a quiet machine). Prints a markdown table; the target is a ratio of
at least 2.0.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lightly
import torch
from lightly.loss import NTXentLoss
from lightly.models.modules.heads import ProjectionHead
from lightly.transforms import SimCLRTransform
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset

from sslcore.config import RunConfig, replace, to_dict
from sslcore.data import load_dataset
from sslcore.objectives.base import ImageSpec
from sslcore.optim import build_optimizer, build_scheduler
from sslcore.recipes import recipe_config
from sslcore.store import RunStore
from sslcore.train import Trainer
from sslcore.train.build import build_objective

LOG_EVERY = 5  # the trainer's metric lines (and the loss windows) cover 5 steps each


@dataclass
class Round:
    """One timed round of one recipe."""

    views_per_s: float
    wait_share: float
    first_loss: float
    last_loss: float


class PILImages(Dataset):
    """The lab's uint8 images as PIL images, each passed through ``transform`` when indexed."""

    def __init__(self, images: torch.Tensor, transform: SimCLRTransform) -> None:
        self.images = [Image.fromarray(img.permute(1, 2, 0).numpy()) for img in images]
        self.transform = transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> list[torch.Tensor]:
        return self.transform(self.images[index])


def lab_config(batch_size: int, steps: int) -> RunConfig:
    """The SimCLR recipe with the convnet (width 32) at ``batch_size``, fp32, for ``steps``."""
    return replace(
        recipe_config("simclr"),
        **{
            "backbone.name": "convnet",
            "backbone.width": 32,
            "optim.batch_size": batch_size,
            "optim.precision": "fp32",
            "optim.steps": steps,
            "monitor.log_every": LOG_EVERY,
            "monitor.eval_every": 100_000,
            "monitor.checkpoint_every": 100_000,
            "monitor.probe_size": 32,
        },
    )


def lightly_transform(config: RunConfig) -> SimCLRTransform:
    """lightly's SimCLRTransform set to the lab's augmentation settings (see the module doc)."""
    a = config.augment
    strength = a.color_jitter_strength
    return SimCLRTransform(
        input_size=config.data.image_size,
        cj_prob=a.color_jitter_prob,
        cj_strength=strength,
        cj_hue=a.hue_jitter / strength,
        min_scale=a.crop_scale_min,
        random_gray_scale=a.grayscale_prob,
        gaussian_blur=a.blur_prob,
        hf_prob=a.flip_prob,
        normalize=None,
    )


def lightly_model(config: RunConfig, channels: int) -> nn.Module:
    """The lab's backbone and lightly's SimCLR (v1) projection head, with the lab's initial weights.

    lightly 1.6's ``SimCLRProjectionHead`` ends in a BatchNorm on its output (SimCLR v2's
    layout); its base class ``ProjectionHead`` is built here with SimCLR v1's layout (Linear,
    BatchNorm, ReLU, Linear), which is the lab's projector, so the weights can be copied.
    """
    objective = build_objective(config, ImageSpec(channels, config.data.image_size))
    params = config.objective.method_config()
    hidden = params.proj_hidden_dim
    head = ProjectionHead(
        [
            (objective.backbone.out_dim, hidden, nn.BatchNorm1d(hidden), nn.ReLU()),
            (hidden, params.proj_out_dim, None, None),
        ]
    )
    ours, theirs = objective.projector.state_dict(), head.state_dict()
    shapes = [tuple(v.shape) for v in ours.values()], [tuple(v.shape) for v in theirs.values()]
    if shapes[0] != shapes[1]:
        raise RuntimeError(f"projector layouts differ: {shapes[0]} against {shapes[1]}")
    head.load_state_dict(dict(zip(theirs, ours.values(), strict=True)))
    return nn.Sequential(objective.backbone, head)


def endless(loader: DataLoader) -> Iterator[list[torch.Tensor]]:
    """Batches of ``loader``, epoch after epoch."""
    while True:
        yield from loader


def loss_windows(losses: list[float]) -> tuple[float, float]:
    """Mean loss of the first and of the last ``LOG_EVERY`` steps."""
    return statistics.fmean(losses[:LOG_EVERY]), statistics.fmean(losses[-LOG_EVERY:])


def lightly_round(
    config: RunConfig,
    images: torch.Tensor,
    steps: int,
    warmup: int,
    workers: int,
    channels_last: bool,
) -> Round:
    """Train lightly's recipe for ``warmup + steps`` steps; time the last ``steps``.

    ``channels_last`` converts its model and batches to that memory layout (not part of
    lightly's recipe; it shows how much of the gap is the layout the lab picks for CNNs).
    """
    torch.manual_seed(config.seed)  # lightly's transforms draw from the global generators
    model = lightly_model(config, images.shape[1])
    layout = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=layout)
    criterion = NTXentLoss(temperature=config.objective.method_config().temperature)
    optimizer = build_optimizer(model, config.optim)
    scheduler = build_scheduler(optimizer, config.optim)
    loader = DataLoader(
        PILImages(images, lightly_transform(config)),
        batch_size=config.optim.batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=workers,
        persistent_workers=workers > 0,
    )
    batches = endless(loader)
    losses: list[float] = []
    waited, start = 0.0, 0.0
    for step in range(warmup + steps):
        if step == warmup:
            waited, start = 0.0, time.perf_counter()
        t0 = time.perf_counter()
        x0, x1 = (x.contiguous(memory_format=layout) for x in next(batches))
        waited += time.perf_counter() - t0
        z0, z1 = model(x0), model(x1)
        loss = criterion(z0, z1)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(float(loss.detach()))
    elapsed = time.perf_counter() - start
    first, last = loss_windows(losses)
    return Round(steps * 2 * config.optim.batch_size / elapsed, waited / elapsed, first, last)


def sslcore_round(config: RunConfig, steps: int, warmup: int) -> Round:
    """Train with the lab's Trainer for ``warmup + steps`` steps; time the last ``steps``."""
    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "run")
        store.create(to_dict(config))
        Trainer(config, store).run()
        rows = [m for m in store.metrics() if "loss" in m]
    by_step = {m["step"]: m for m in rows}
    elapsed = by_step[warmup + steps]["elapsed_s"] - by_step[warmup]["elapsed_s"]
    timed = [m for m in rows if m["step"] > warmup]
    wait = sum(m["data_time_s"] for m in timed) / sum(m["step_time_s"] for m in timed)
    views = steps * 2 * config.optim.batch_size
    return Round(views / elapsed, wait, rows[0]["loss"], rows[-1]["loss"])


def summary(rounds: list[Round]) -> Round:
    """Median speed and wait share; mean first and last losses."""
    return Round(
        statistics.median(r.views_per_s for r in rounds),
        statistics.median(r.wait_share for r in rounds),
        statistics.fmean(r.first_loss for r in rounds),
        statistics.fmean(r.last_loss for r in rounds),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per round")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (x5)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workers", type=int, default=0, help="lightly's DataLoader workers")
    parser.add_argument(
        "--lightly-channels-last",
        action="store_true",
        help="give lightly's model the channels_last layout too (not in its recipe)",
    )
    args = parser.parse_args()
    if args.warmup % LOG_EVERY or args.steps % LOG_EVERY or args.warmup < LOG_EVERY:
        parser.error(f"--warmup and --steps must be positive multiples of {LOG_EVERY}")
    config = lab_config(args.batch_size, args.warmup + args.steps)
    images = load_dataset(config.data, "train").images
    theirs: list[Round] = []
    ours: list[Round] = []
    for _ in range(args.rounds):
        theirs.append(
            lightly_round(
                config, images, args.steps, args.warmup, args.workers, args.lightly_channels_last
            )
        )
        ours.append(sslcore_round(config, args.steps, args.warmup))
    t, o = summary(theirs), summary(ours)
    print(
        f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} "
        f"threads, torch {torch.__version__}, lightly {lightly.__version__}, "
        f"{datetime.date.today()}; {args.rounds} rounds of {args.warmup} + {args.steps} steps, "
        f"batch {args.batch_size} ({2 * args.batch_size} views), fp32"
    )
    print(
        f"| recipe | views/s | waiting for data | loss first {LOG_EVERY} → last {LOG_EVERY} "
        "steps | ratio |"
    )
    print("|---|---|---|---|---|")
    layout = "channels_last" if args.lightly_channels_last else "contiguous"
    rows = (
        (f"lightly (SimCLRTransform, DataLoader workers={args.workers}, {layout})", t),
        ("sslcore Trainer (batched augmentation)", o),
    )
    for name, r in rows:
        print(
            f"| {name} | {r.views_per_s:,.0f} | {r.wait_share:.0%} | "
            f"{r.first_loss:.3f} → {r.last_loss:.3f} | {r.views_per_s / t.views_per_s:.2f} |"
        )


if __name__ == "__main__":
    main()
