"""SimCLR images/s on one GPU: the lab's trainer beside a bare PyTorch loop of the same step.

The workload is the issue's GPU reference: SimCLR with ResNet-18 on 32x32 ``shapes``, batch 512
(1,024 views a step), bf16 autocast, channels_last, batched augmentation on the GPU with
per-image parameters. The published reference for this recipe is ~1.9k images/s on an RTX A6000
(lightly's CIFAR-10 benchmark, which augments per image in DataLoader workers).

The two loops are those of ``benchmarks/engine_vs_bare.py``: the bare loop indexes a batch,
augments, runs forward and backward under autocast and steps AdamW, and is timed between two
``torch.cuda.synchronize()`` calls; the :class:`~sslcore.train.Trainer` adds its logging,
schedule and checks and is timed from its own metric lines (each logging step reads the loss,
which synchronises). They alternate, bare then trainer, ``--rounds`` times, and the best round
of each is reported. ``--compile`` compiles the bare loop's model and sets ``optim.compile``
for the trainer; the trainer does not act on that setting yet, so with ``--compile`` the ratio
measures what compiling would bring it.

Run on a GPU machine: ``python benchmarks/gpu.py`` (under 5 minutes). On the CPU, for a quick
check: ``python benchmarks/gpu.py --device cpu --backbone convnet --width 8 --batch 8 --steps 5
--warmup 5 --precision fp32 --rounds 1 --train-size 64``. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import datetime
import platform

import torch
from engine_vs_bare import LOG_EVERY, alternate  # beside this script

from sslcore.config import RunConfig, replace
from sslcore.recipes import recipe_config


def gpu_config(args: argparse.Namespace) -> RunConfig:
    """The SimCLR recipe at the command line's device, size, backbone, batch and precision."""
    return replace(
        recipe_config("simclr"),
        **{
            "device": args.device,
            "data.image_size": args.image_size,
            "data.train_size": max(args.train_size, args.batch),
            "data.test_size": 256,  # the monitor's probe (32 images) runs outside the timing
            "backbone.name": args.backbone,
            "backbone.width": args.width,
            "optim.batch_size": args.batch,
            "optim.precision": args.precision,
            "optim.compile": args.compile,
        },
    )


def device_name(device: str) -> str:
    """The GPU's name, or the CPU's architecture and thread count."""
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"CPU {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--backbone", default="resnet18")
    parser.add_argument("--width", type=int, default=32, help="convnet/mlp width")
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--precision", default="bf16", choices=("fp32", "bf16", "auto"))
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--steps", type=int, default=100, help=f"timed steps (x{LOG_EVERY})")
    parser.add_argument("--warmup", type=int, default=20, help=f"untimed steps (x{LOG_EVERY})")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--train-size", type=int, default=4096, help="shapes to train on")
    args = parser.parse_args()
    if args.warmup % LOG_EVERY or args.steps % LOG_EVERY or args.warmup < LOG_EVERY:
        parser.error(f"--warmup and --steps must be positive multiples of {LOG_EVERY}")
    config = gpu_config(args)
    b, o = alternate(config, args.steps, args.warmup, args.rounds)
    print(
        f"machine: {device_name(args.device)}, torch {torch.__version__}, "
        f"{datetime.date.today()}; SimCLR {args.backbone} at {args.image_size}x{args.image_size}, "
        f"batch {args.batch}, {args.precision}, compile {'on' if args.compile else 'off'}, "
        f"best of {args.rounds} rounds of {args.warmup} + {args.steps} steps"
    )
    print("| loop | images/s | ratio |")
    print("|---|---|---|")
    print(f"| bare PyTorch loop | {b:,.0f} | 1.00 |")
    print(f"| sslcore Trainer | {o:,.0f} | {o / b:.2f} |")


if __name__ == "__main__":
    main()
