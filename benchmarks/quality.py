"""Quality at a fixed CPU budget: every objective × dataset, kNN and linear probe, beside baselines.

For each dataset (``shapes``, ``digits``, and MNIST's test set from ``../shared/data`` when it is
there, read through ``npz:``) the script scores two baselines on the same held-out split:

- **raw pixels**: the flattened images themselves as features;
- **random network**: the convnet (width 32, seed 0) that every vision recipe starts from,
  before any training.

Then it trains each objective with its default recipe for a fixed wall-clock budget. The
step count is chosen so the schedule ends with the budget: five timed warm steps estimate the
step time first (so warm-up and the cosine decay run to completion, as in a real run). The
trained backbone is scored with the same two protocols as the baselines (``sslcore eval``'s
``knn``, k = 20, and ``linear``).

Usage::

    python benchmarks/quality.py --seconds 60 [--objectives simclr byol] [--datasets shapes]

It prints one markdown table; paste it into BENCHMARKS.md with the date and the machine.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from sslcore.backbones import build_backbone
from sslcore.config import RunConfig, replace, to_dict
from sslcore.data import load_dataset
from sslcore.eval.features import extract_features
from sslcore.eval.knn import knn_accuracy
from sslcore.eval.linear_probe import linear_probe
from sslcore.eval.run_eval import evaluate_run
from sslcore.objectives import OBJECTIVES
from sslcore.recipes import recipe_config
from sslcore.store import RunStore
from sslcore.train import Trainer

MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist_test.npz"
VISION_OBJECTIVES = [name for name, cls in sorted(OBJECTIVES.items()) if cls.modality == "image"]
# What all three datasets share: a 4,000-image training set keeps the probe fits short.
DATA = {
    "shapes": {"data.dataset": "shapes", "data.train_size": 4000, "data.test_size": 1000},
    "digits": {"data.dataset": "digits"},
    "mnist": {"data.dataset": f"npz:{MNIST}", "data.test_fraction": 0.2},
}


def scores(train_x: torch.Tensor, train_y, test_x: torch.Tensor, test_y) -> tuple[float, float]:
    """kNN (k = 20) and linear-probe accuracy of one feature set."""
    knn = knn_accuracy(train_x, train_y, test_x, test_y, k=20)
    linear = linear_probe(train_x, train_y, test_x, test_y).accuracy
    return knn, linear


def baselines(config: RunConfig) -> dict[str, tuple[float, float]]:
    """Raw pixels and the random convnet on the config's dataset."""
    train, test = load_dataset(config.data, "train"), load_dataset(config.data, "test")
    pixels = scores(
        train.images.flatten(1).float() / 255,
        train.labels,
        test.images.flatten(1).float() / 255,
        test.labels,
    )
    torch.manual_seed(config.seed)
    network = build_backbone(config.backbone, train.channels, train.size)
    random = scores(
        extract_features(network, train.images),
        train.labels,
        extract_features(network, test.images),
        test.labels,
    )
    return {"raw pixels": pixels, "random network": random}


def steps_for(config: RunConfig, seconds: float, folder: Path) -> int:
    """How many steps of this recipe fit in ``seconds``, from five timed steps after one warm-up."""
    probe = replace(
        config,
        **{
            "optim.steps": 6,
            "monitor.eval_every": 100_000,
            "monitor.checkpoint_every": 100_000,
            "monitor.log_every": 1,
        },
    )
    store = RunStore(folder / "calibration")
    store.create(to_dict(probe))
    Trainer(probe, store).run()
    step_times = [row["step_time_s"] for row in store.metrics() if "step_time_s" in row]
    return max(20, int(seconds / (sum(step_times[1:]) / len(step_times[1:]))))


def train_and_score(config: RunConfig, seconds: float, folder: Path) -> dict[str, float]:
    steps = steps_for(config, seconds, folder)
    config = replace(
        config,
        **{
            "optim.steps": steps,
            "optim.warmup_steps": min(config.optim.warmup_steps, steps // 10),
            "monitor.eval_every": 100_000,
            "monitor.checkpoint_every": 100_000,
            "monitor.log_every": 25,
        },
    )
    store = RunStore(folder / "run")
    store.create(to_dict(config))
    started = time.perf_counter()
    Trainer(config, store).run()
    train_seconds = time.perf_counter() - started
    knn = evaluate_run(store.path, "knn")["accuracy"]
    linear = evaluate_run(store.path, "linear")["accuracy"]
    return {"knn": knn, "linear": linear, "steps": steps, "seconds": train_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="training budget per run")
    parser.add_argument("--objectives", nargs="*", default=VISION_OBJECTIVES)
    parser.add_argument("--datasets", nargs="*", default=list(DATA))
    parser.add_argument("--json", type=Path, help="also write every result to this file")
    args = parser.parse_args()
    datasets = [d for d in args.datasets if d != "mnist" or MNIST.exists()]
    results = []
    print("| dataset | features | kNN | linear | steps | train s |")
    print("|---|---|---|---|---|---|")
    for dataset in datasets:
        base = replace(RunConfig(), **DATA[dataset])
        for name, (knn, linear) in baselines(base).items():
            results.append({"dataset": dataset, "features": name, "knn": knn, "linear": linear})
            print(f"| {dataset} | {name} | {knn:.1%} | {linear:.1%} | | |", flush=True)
        for objective in args.objectives:
            config = replace(recipe_config(objective, base), **DATA[dataset])
            with tempfile.TemporaryDirectory() as tmp:
                row = train_and_score(config, args.seconds, Path(tmp))
            results.append({"dataset": dataset, "features": objective, **row})
            print(
                f"| {dataset} | {objective} | {row['knn']:.1%} | {row['linear']:.1%} "
                f"| {row['steps']} | {row['seconds']:.0f} |",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
