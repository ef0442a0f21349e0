"""Augmentation throughput: views per second on the CPU, ours against per-image pipelines.

The workload is the SimCLR preset on 32x32 RGB images, batch 256, 2 views (512 views a batch):
random resized crop (scale 0.3-1), flip, colour jitter (strength 0.5, p=0.8), grayscale (p=0.2),
no blur (SimCLR's CIFAR-10 setting; the lab's preset adds blur with p=0.5, left out here so
that the three pipelines do the same work).

- ``sslcore`` is :func:`sslcore.augment.build_augmenter` (batched, per-image parameters).
- ``torchvision PIL`` is the per-image pipeline lightly's SimCLRTransform builds: PIL images
  through RandomResizedCrop, RandomHorizontalFlip, RandomApply(ColorJitter), RandomGrayscale,
  ToTensor, one image at a time, as a DataLoader worker would run it.
- ``kornia`` (if installed) is kornia's batched AugmentationSequential with the same settings.

Run: ``python benchmarks/augment_throughput.py`` (set ``MALLOC_ARENA_MAX=1
MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=2147483647`` first to measure as the
lab's server runs, see DESIGN §5). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import platform
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms as T

from sslcore.augment import build_augmenter, preset

BATCH, SIZE, N_VIEWS = 256, 32, 2


def smooth_images(n: int, size: int, seed: int = 0) -> torch.Tensor:
    """(n, 3, size, size) uint8 images of smooth random colour blobs (natural-ish statistics)."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, size // 4, size // 4, generator=generator)
    fine = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)
    return (fine.clamp(0, 1) * 255).round().to(torch.uint8)


def views_per_second(make_views: Callable[[], object], seconds: float) -> float:
    """Call ``make_views`` (one batch of BATCH * N_VIEWS views) for ``seconds``; views/s."""
    make_views()  # warm-up
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        make_views()
        calls += 1
    return calls * BATCH * N_VIEWS / (time.perf_counter() - start)


def pil_pipeline() -> T.Compose:
    """lightly's SimCLRTransform at these settings, without normalisation."""
    strength = 0.5
    jitter = T.ColorJitter(0.8 * strength, 0.8 * strength, 0.8 * strength, 0.2 * strength)
    return T.Compose(
        [
            T.RandomResizedCrop(SIZE, scale=(0.3, 1.0)),
            T.RandomHorizontalFlip(),
            T.RandomApply([jitter], p=0.8),
            T.RandomGrayscale(p=0.2),
            T.ToTensor(),
        ]
    )


def kornia_pipeline() -> tuple[str, Callable[[torch.Tensor], torch.Tensor]] | None:
    """Kornia's version and the same recipe in kornia, or None when kornia is not installed."""
    try:
        import kornia
        import kornia.augmentation as K
    except ImportError:
        return None
    return kornia.__version__, K.AugmentationSequential(
        K.RandomResizedCrop((SIZE, SIZE), scale=(0.3, 1.0)),
        K.RandomHorizontalFlip(),
        K.ColorJitter(0.4, 0.4, 0.4, 0.1, p=0.8),
        K.RandomGrayscale(p=0.2),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()

    images = smooth_images(BATCH, SIZE)
    pil_images = [Image.fromarray(img.permute(1, 2, 0).numpy()) for img in images]
    workload = dataclasses.replace(preset("simclr"), color_jitter_strength=0.5, blur_prob=0.0)
    ours = build_augmenter(workload)
    generator = torch.Generator().manual_seed(0)
    per_image = pil_pipeline()
    kornia = kornia_pipeline()
    as_float = images.float() / 255

    candidates: dict[str, Callable[[], object]] = {
        "sslcore (batched, explicit generator)": lambda: ours(images, N_VIEWS, generator),
        "torchvision PIL, per image (lightly-style)": lambda: [
            torch.stack([per_image(img) for img in pil_images]) for _ in range(N_VIEWS)
        ],
    }
    if kornia is not None:
        version, kornia_augment = kornia
        candidates[f"kornia {version} (batched, global RNG)"] = lambda: [
            kornia_augment(as_float) for _ in range(N_VIEWS)
        ]

    rows = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for name, make_views in candidates.items():
            with torch.no_grad():
                rate = views_per_second(make_views, args.seconds)
            rows.append((name, threads, rate))

    malloc = "set" if os.environ.get("MALLOC_MMAP_THRESHOLD_") else "not set"
    print(f"### Augmentation throughput ({datetime.date.today().isoformat()})\n")
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
        f"(nproc {len(os.sched_getaffinity(0))}); torch {torch.__version__}; "
        f"MALLOC_* variables {malloc}; load average {os.getloadavg()[0]:.1f} at the end. "
        f"SimCLR preset, {SIZE}x{SIZE} RGB, batch {BATCH}, "
        f"{N_VIEWS} views.\n"
    )
    print("| pipeline | threads | views/s | ms per batch of 512 views |")
    print("|---|---:|---:|---:|")
    for name, threads, rate in rows:
        print(f"| {name} | {threads} | {rate:,.0f} | {1000 * BATCH * N_VIEWS / rate:.1f} |")


if __name__ == "__main__":
    main()
