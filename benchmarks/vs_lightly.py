"""Every method lightly implements, trained twice on the same real photographs: lightly's recipe
and the lab's, side by side, with a random network beside them.

- **lightly**: its CIFAR-10 benchmark's model, loss, optimizer, schedule and PIL transforms
  (:mod:`lightly_recipes`), fed by a ``DataLoader`` as its script does, in fp32 (bf16 autocast
  on a GPU). Its backbone is the lab's, starting from the same weights as the lab's run.
- **lab**: ``recipe_config(method)`` as the Setup page or ``sslcore train --objective`` gives
  it, trained by the lab's ``Trainer`` (monitoring pushed past the end, as it is not part of
  either recipe's cost), scored by ``sslcore eval``'s ``knn`` and ``linear`` protocols.

Both see the same images (``cifar10_dev``: 8,000 training and 2,000 test photographs, a seeded
subset written to a temporary Keras-layout npz), the same batch size and the same number of
steps, and alternate (lightly, lab, next method, ...), so drift on a shared machine hits both.
Both are scored the same way on frozen backbone features of the un-augmented images: kNN
(k = 20, temperature 0.1, cosine) and a linear probe, trained on the 8,000, tested on the 2,000.

Budgets (``--budget``):

- ``cpu``: the convnet (width 32), batch 256; the step count is what lightly's recipe does in
  ``--seconds`` (default 300) on this machine, found by timing ten of lightly's SimCLR steps.
- ``gpu``: ResNet-18, batch 512, 1,000 steps (``--device cuda``).
- ``shapes``: the CI learning test's budget and data (convnet width 16, 300 steps of 128 on
  4,000 synthetic shapes, scored on the shape label), to see whether a method that does not
  pass that test in the lab passes it with lightly's recipe.

MAE runs on the lab's ``vit_tiny`` (lightly's on a torchvision ViT of the same size).

Run: ``python benchmarks/vs_lightly.py --budget cpu [--methods byol dino] [--steps N]
[--json out.json]``. Prints a markdown table; BENCHMARKS.md holds the results.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import platform
import tempfile
import time
from pathlib import Path

import lightly
import numpy as np
import torch
from lightly_end_to_end import PILImages, endless
from lightly_recipes import RECIPES, Recipe
from torch.utils.data import DataLoader

from sslcore.config import RunConfig, replace, to_dict
from sslcore.data import load_dataset
from sslcore.eval.features import extract_features
from sslcore.eval.knn import knn_accuracy
from sslcore.eval.linear_probe import linear_probe
from sslcore.eval.run_eval import evaluate_run
from sslcore.objectives.base import ImageSpec
from sslcore.optim import warmup_cosine
from sslcore.recipes import recipe_config
from sslcore.store import RunStore
from sslcore.train import Trainer
from sslcore.train.build import build_objective

CIFAR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cifar10_dev.npz"
SUBSET = Path(tempfile.gettempdir()) / "sslcore-cifar10-dev-8k-2k.npz"
BUDGETS = {
    "cpu": {"backbone.name": "convnet", "backbone.width": 32, "optim.batch_size": 256},
    "gpu": {"backbone.name": "resnet18", "optim.batch_size": 512, "optim.steps": 1000},
    # The CI learning test's budget (tests/engine/test_objectives_learn.py), on its shapes.
    "shapes": {
        "backbone.name": "convnet",
        "backbone.width": 16,
        "optim.batch_size": 128,
        "optim.steps": 300,
        "data.dataset": "shapes",
        "data.train_size": 4000,
        "data.test_size": 1000,
    },
}
QUIET = {"monitor.eval_every": 100_000, "monitor.checkpoint_every": 100_000,
         "monitor.log_every": 25}  # fmt: skip


def write_subset(source: Path = CIFAR) -> None:
    """Up to 8,000 training and 2,000 test photographs of ``source`` (seed 0), Keras layout."""
    with np.load(source) as archive:
        arrays = {k: archive[k] for k in archive.files}
    rng = np.random.default_rng(0)
    train = rng.permutation(len(arrays["x_train"]))[:8000]
    test = rng.permutation(len(arrays["x_test"]))[:2000]
    arrays |= {"x_train": arrays["x_train"][train], "y_train": arrays["y_train"][train],
               "x_test": arrays["x_test"][test], "y_test": arrays["y_test"][test]}  # fmt: skip
    np.savez(SUBSET, **arrays)


def lab_config(
    method: str, budget: str, steps: int, device: str, batch_size: int | None = None
) -> RunConfig:
    """The lab's recipe for ``method`` on the photographs at the budget's backbone, batch and
    steps (an SGD rate scaled with the batch, as lightly scales its own)."""
    overrides = {"data.dataset": f"npz:{SUBSET}"} | BUDGETS[budget]
    if batch_size:
        overrides["optim.batch_size"] = batch_size
    data = {k: v for k, v in overrides.items() if k.startswith("data.")}
    config = recipe_config(method, replace(RunConfig(), **data))
    if config.backbone.name == "vit_tiny":  # MAE keeps its ViT
        overrides = {k: v for k, v in overrides.items() if not k.startswith("backbone.")}
    warmup = min(config.optim.warmup_steps, steps // 10)
    # SGD's linear scaling rule (Goyal et al. 2017), as lightly scales its SGD rates with the
    # batch; an AdamW rate stays as the recipe sets it.
    scale = overrides["optim.batch_size"] / config.optim.batch_size
    lr = config.optim.lr * (scale if config.optim.optimizer != "adamw" else 1.0)
    return replace(config, **overrides | QUIET | {
        "optim.steps": steps, "optim.warmup_steps": warmup, "optim.lr": lr, "device": device,
    })  # fmt: skip


def lightly_recipe(config: RunConfig) -> Recipe:
    """lightly's model for ``config``'s method around the lab's backbone, same initial weights."""
    backbone = copy.deepcopy(build_objective(config, ImageSpec(3, 32)).backbone)
    cls = RECIPES[config.objective.name]
    if config.objective.name == "mae":
        b, p = config.backbone, config.objective.method_config()
        vit = {"dim": b.vit_dim, "depth": b.vit_depth, "heads": b.vit_heads,
               "patch_size": b.patch_size, "decoder_dim": p.decoder_dim,
               "decoder_depth": p.decoder_depth, "decoder_heads": p.decoder_heads}  # fmt: skip
        torch.manual_seed(config.seed)
        return cls(backbone, backbone.out_dim, vit)  # type: ignore[call-arg]
    return cls(backbone, backbone.out_dim)  # type: ignore[call-arg]


def train_lightly(config: RunConfig, images: torch.Tensor, workers: int) -> tuple[Recipe, float]:
    """lightly's recipe for ``config.optim.steps`` steps; returns the model and its seconds."""
    torch.manual_seed(config.seed)  # lightly's transforms draw from the global generators
    device = torch.device(config.device)
    model = lightly_recipe(config).to(device)
    optimizer = model.optimizer(config.optim.batch_size)
    # The script's cosine decay to zero, per step; only MAE's ViT recipe warms up first.
    warmup, steps = (config.optim.warmup_steps if config.objective.name == "mae" else 0,
                     config.optim.steps)  # fmt: skip
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: warmup_cosine(step, warmup, steps)
    )
    loader = DataLoader(PILImages(images, model.transform()), batch_size=config.optim.batch_size,
                        shuffle=True, drop_last=True, num_workers=workers,
                        persistent_workers=workers > 0)  # fmt: skip
    batches = endless(loader)
    started = time.perf_counter()
    for _ in range(config.optim.steps):
        views = [v.to(device, non_blocking=True) for v in next(batches)]
        with torch.autocast(device.type, torch.bfloat16, enabled=device.type == "cuda"):
            loss = model.loss(views)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss {float(loss)} at step {scheduler.last_epoch}")
    return model, time.perf_counter() - started


def lightly_steps_in(seconds: float, config: RunConfig, images: torch.Tensor, workers: int) -> int:
    """Steps of lightly's recipe (its SimCLR) that fit in ``seconds``: ten timed after five."""
    times = []
    for steps in (5, 15):
        probe = replace(config, **{"optim.steps": steps})
        times.append(train_lightly(probe, images, workers)[1])
    return max(50, int(seconds / ((times[1] - times[0]) / 10)) // 25 * 25)


def train_lab(config: RunConfig, folder: Path) -> tuple[Path, float]:
    store = RunStore(folder / config.objective.name)
    store.create(to_dict(config))
    started = time.perf_counter()
    Trainer(config, store).run()
    return store.path, time.perf_counter() - started


def frozen_scores(encode, config: RunConfig, device: str) -> tuple[float, float]:
    """kNN@20 and linear-probe accuracy of ``encode``'s features, as ``sslcore eval`` scores."""
    train, test = load_dataset(config.data, "train"), load_dataset(config.data, "test")
    f_train, f_test = (extract_features(encode, d.images, device) for d in (train, test))
    knn = knn_accuracy(f_train, train.labels, f_test, test.labels, k=20, temperature=0.1)
    return knn, linear_probe(f_train, train.labels, f_test, test.labels).accuracy


def score_lightly(config: RunConfig, images: torch.Tensor, args: argparse.Namespace) -> dict:
    """Train lightly's recipe and score it; a diverged run is a row too, not the end."""
    started = time.perf_counter()
    try:
        model, seconds = train_lightly(config, images, args.workers)
    except FloatingPointError as err:
        return {"diverged": str(err), "seconds": time.perf_counter() - started}
    knn, linear = frozen_scores(model.encode, config, args.device)
    return {"knn": knn, "linear": linear, "seconds": seconds}


def score_lab(config: RunConfig, images: torch.Tensor, args: argparse.Namespace) -> dict:
    """Train the lab's recipe and score it with ``sslcore eval``'s protocols."""
    with tempfile.TemporaryDirectory() as folder:
        path, seconds = train_lab(config, Path(folder))
        status = RunStore(path).status() or {}
        if status.get("state") != "finished":
            return {"diverged": str(status.get("message", ""))[:80], "seconds": seconds}
        knn = evaluate_run(path, "knn", device=args.device)["accuracy"]
        linear = evaluate_run(path, "linear", device=args.device)["accuracy"]
    return {"knn": knn, "linear": linear, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", choices=BUDGETS, default="cpu")
    parser.add_argument("--seconds", type=float, default=300, help="cpu budget: lightly's time")
    parser.add_argument("--steps", type=int, help="skip the calibration: train this many steps")
    parser.add_argument("--methods", nargs="*", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, default=0, help="lightly's DataLoader workers")
    parser.add_argument("--npz", type=Path, default=CIFAR, help="photographs, Keras layout")
    parser.add_argument("--batch-size", type=int, help="instead of the budget's")
    parser.add_argument("--json", type=Path, help="also write every row to this file")
    parser.add_argument("--recipes", nargs="*", default=["lightly", "lab"],
                        choices=["lightly", "lab"], help="train only these sides")  # fmt: skip
    parser.add_argument(
        "--seed",
        type=int,
        help="initial weights and both sides' random "
        "draws (default: the recipe's); repeat with others to see the spread",
    )
    args = parser.parse_args()
    if not args.npz.exists():
        parser.error(f"{args.npz} is missing: this benchmark needs shared/data/cifar10_dev.npz")
    write_subset(args.npz)
    base = lab_config("simclr", args.budget, 10, args.device, args.batch_size)
    images = load_dataset(base.data, "train").images
    steps = args.steps or BUDGETS[args.budget].get("optim.steps") or lightly_steps_in(
        args.seconds, base, images, args.workers)  # fmt: skip
    flags = " ".join(f for f in ("avx512_bf16", "amx_bf16", "avx512f", "avx2")
                     if f in Path("/proc/cpuinfo").read_text())  # fmt: skip
    print(f"{datetime.date.today()}, {platform.processor() or platform.machine()} ({flags}), "
          f"{torch.get_num_threads()} threads, device {args.device}, torch {torch.__version__}, "
          f"lightly {lightly.__version__}; budget {args.budget}: {steps} steps x "
          f"{base.optim.batch_size}")  # fmt: skip
    print("| method | recipe | kNN@20 | linear | train s |\n|---|---|---|---|---|", flush=True)
    rows, randoms = [], {}
    for method in args.methods:
        config = lab_config(method, args.budget, steps, args.device, args.batch_size)
        if args.seed is not None:
            config = replace(config, seed=args.seed)
        if config.backbone.name not in randoms:
            network = build_objective(config, ImageSpec(3, 32)).backbone.to(args.device)
            randoms[config.backbone.name] = frozen_scores(network, config, args.device)
            knn, linear = randoms[config.backbone.name]
            rows.append({"method": f"random {config.backbone.name}", "recipe": "-",
                         "knn": knn, "linear": linear, "seconds": 0.0})  # fmt: skip
            print(f"| random {config.backbone.name} | – | {knn:.1%} | {linear:.1%} | – |")
        for recipe, train_and_score in (("lightly", score_lightly), ("lab", score_lab)):
            if recipe not in args.recipes:
                continue
            row = {"method": method, "recipe": recipe} | train_and_score(config, images, args)
            rows.append(row)
            scores = (f"{row['knn']:.1%} | {row['linear']:.1%}" if "knn" in row
                      else f"diverged: {row['diverged']} | –")  # fmt: skip
            print(f"| {method} | {recipe} | {scores} | {row['seconds']:.0f} |", flush=True)
            if args.json:  # after every row: a long run stopped half-way keeps what it measured
                args.json.write_text(json.dumps({"steps": steps, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
