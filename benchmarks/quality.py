"""Quality at a fixed CPU budget: every objective × dataset, kNN and linear probe, beside baselines.

For each dataset (``shapes``, ``digits``, MNIST's test set from ``../shared/data`` when it is
there, and the text corpus ``stdlib_docs`` labelled by module) the script
scores two baselines on the same held-out split:

- **raw pixels** (for text, **bag of tokens**: each document's token counts): the input itself
  as features;
- **random network**: the backbone every recipe of that modality starts from (the convnet,
  width 32; the text transformer), seed 0, before any training.

Image objectives train on the image datasets, text objectives on the text one. MNIST is split
as the reference figures in BENCHMARKS.md were (lightly's recipe, 5 minutes: 97.6% linear,
94.6% kNN): ``np.random.default_rng(0).permutation(10000)``, the first 8,000 images to train on,
the other 2,000 to test; the script writes them as a Keras-layout ``.npz`` (``x_train``,
``x_test``), which the lab reads with that split.

Then it trains each objective with its default recipe for a fixed wall-clock budget. The
step count is chosen so the schedule ends with the budget: ten timed steps after five warm-up
steps estimate the step time first (so warm-up and the cosine decay run to completion, as in a
real run). The trained backbone is scored with the same two protocols as the baselines
(``sslcore eval``'s ``knn``, k = 20, and ``linear``).

Usage::

    python benchmarks/quality.py --seconds 60 [--objectives simclr byol] [--datasets shapes]

It prints one markdown table; paste it into BENCHMARKS.md with the date and the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from sslcore.backbones import build_backbone
from sslcore.compatibility import objective_modality
from sslcore.config import RunConfig, replace, to_dict
from sslcore.data import load_dataset
from sslcore.data.modality import TEXT, Modality, is_token_batch, modality_named, modality_of
from sslcore.eval.features import extract_features
from sslcore.eval.knn import knn_accuracy
from sslcore.eval.linear_probe import linear_probe
from sslcore.eval.run_eval import evaluate_run
from sslcore.objectives import OBJECTIVES
from sslcore.recipes import recipe_config
from sslcore.store import RunStore
from sslcore.train import Trainer

MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist_test.npz"
MNIST_SPLIT = Path(tempfile.gettempdir()) / "sslcore-mnist-reference-split.npz"
# What the image datasets share: a 4,000-image training set keeps the probe fits short.
DATA = {
    "shapes": {"data.dataset": "shapes", "data.train_size": 4000, "data.test_size": 1000},
    "digits": {"data.dataset": "digits"},
    "mnist": {"data.dataset": f"npz:{MNIST_SPLIT}"},
    "stdlib_docs": {"data.dataset": "stdlib_docs"},
}


def write_reference_mnist() -> None:
    """MNIST's test set as ``MNIST_SPLIT``: 8,000 train and 2,000 test images, split by
    ``np.random.default_rng(0).permutation(10000)`` as the reference measurements were."""
    with np.load(MNIST) as archive:
        x, y, classes = archive["x"], archive["y"], archive["classes"]
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:8000], order[8000:]
    np.savez(MNIST_SPLIT, x_train=x[train], y_train=y[train], x_test=x[test], y_test=y[test],
             classes=classes)  # fmt: skip


def input_features(inputs: torch.Tensor, vocabulary: int) -> torch.Tensor:
    """The input as features: flattened pixels in [0, 1], or each document's token counts."""
    if not is_token_batch(inputs):
        return inputs.flatten(1).float() / 255
    counts = torch.zeros(inputs.shape[0], vocabulary)
    counts.scatter_add_(1, inputs, torch.ones_like(inputs, dtype=torch.float32))
    counts[:, 0] = 0  # padding is not a word
    return counts


def scores(train_x: torch.Tensor, train_y, test_x: torch.Tensor, test_y) -> tuple[float, float]:
    """kNN (k = 20) and linear-probe accuracy of one feature set."""
    knn = knn_accuracy(train_x, train_y, test_x, test_y, k=20)
    linear = linear_probe(train_x, train_y, test_x, test_y).accuracy
    return knn, linear


def baselines(config: RunConfig) -> dict[str, tuple[float, float]]:
    """The input itself and the random backbone on the config's dataset."""
    train, test = load_dataset(config.data, "train"), load_dataset(config.data, "test")
    raw = scores(
        input_features(train.images, train.channels),
        train.labels,
        input_features(test.images, test.channels),
        test.labels,
    )
    torch.manual_seed(config.seed)
    network = build_backbone(config.backbone, train.channels, train.size)
    inputs = modality_of(train)
    random = scores(
        extract_features(network, train.images, modality=inputs),
        train.labels,
        extract_features(network, test.images, modality=inputs),
        test.labels,
    )
    return {"bag of tokens" if inputs is TEXT else "raw pixels": raw, "random network": random}


def modality(dataset: str) -> Modality:
    return modality_named(DATA[dataset]["data.dataset"])


def base_config(dataset: str) -> RunConfig:
    """The default run on ``dataset``; for text, with the text recipes' backbone."""
    if modality(dataset) is TEXT:
        return replace(recipe_config("mlm"), **DATA[dataset])
    return replace(RunConfig(), **DATA[dataset])


def steps_for(config: RunConfig, seconds: float, folder: Path) -> int:
    """How many steps of this recipe fit in ``seconds``: the median of ten timed steps after five
    warm-up steps (five steps after one warm-up misjudged a 250 s MNIST budget by up to 25%)."""
    probe = replace(
        config,
        **{
            "optim.steps": 15,
            "monitor.eval_every": 100_000,
            "monitor.checkpoint_every": 100_000,
            "monitor.log_every": 1,
        },
    )
    store = RunStore(folder / "calibration")
    store.create(to_dict(probe))
    Trainer(probe, store).run()
    step_times = [row["step_time_s"] for row in store.metrics() if "step_time_s" in row]
    return max(20, int(seconds / statistics.median(step_times[5:])))


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
    parser.add_argument("--objectives", nargs="*", default=sorted(OBJECTIVES))
    parser.add_argument("--datasets", nargs="*", default=list(DATA))
    parser.add_argument("--json", type=Path, help="also write every result to this file")
    args = parser.parse_args()
    datasets = [d for d in args.datasets if d != "mnist" or MNIST.exists()]
    if "mnist" in datasets:
        write_reference_mnist()
    results = []
    print("| dataset | features | kNN | linear | steps | train s |")
    print("|---|---|---|---|---|---|")
    for dataset in datasets:
        objectives = [o for o in args.objectives if objective_modality(o) is modality(dataset)]
        base = base_config(dataset)
        for name, (knn, linear) in baselines(base).items():
            results.append({"dataset": dataset, "features": name, "knn": knn, "linear": linear})
            print(f"| {dataset} | {name} | {knn:.1%} | {linear:.1%} | | |", flush=True)
        for objective in objectives:
            config = replace(recipe_config(objective, base), **DATA[dataset])
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    row = train_and_score(config, args.seconds, Path(tmp))
                except ValueError as err:  # e.g. colorization on grey digits: no colour
                    print(f"| {dataset} | {objective} | – | – | | | not run: {err}", flush=True)
                    continue
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
