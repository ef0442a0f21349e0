"""``sslcore eval RUN_DIR --protocol ... [--dataset OTHER]``: evaluate a trained run.

Results go to the run's eval/ folder; with ``--dataset`` the frozen backbone is evaluated on
another dataset (transfer), whose images are adapted to it and the adaptation reported.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sslcore.cli.config_flags import DATASETS, config_field
from sslcore.config import field_choices
from sslcore.eval.run_eval import PROTOCOLS, evaluate_run


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="evaluate a run: kNN, linear probe, fine-tuning, probes, ...")
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run directory")
    p.add_argument(
        "--protocol",
        required=True,
        choices=PROTOCOLS,
        help="knn and linear: probes of the frozen features; finetune: train the backbone too; "
        "supervised: the same network from scratch; label-efficiency: accuracy by labels "
        "used; probes: generative factors; collapse: rank and spread; perplexity: language "
        "models",
    )
    p.add_argument(
        "--labels-fraction",
        type=float,
        default=None,
        help="use only this class-balanced share of the training labels, in (0, 1]",
    )
    p.add_argument(
        "--dataset",
        default=None,
        choices=DATASETS,
        metavar="NAME",
        help="evaluate on this dataset instead of the run's own (transfer), e.g. digits; its "
        "images are converted to the backbone's channels and size, and the result says how",
    )
    p.add_argument("--steps", type=int, help="fine-tuning steps (finetune, supervised, "
                   "label-efficiency)")  # fmt: skip
    p.add_argument(
        "--device",
        choices=field_choices(config_field("device")),
        help="where to compute (default: the run's device)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=evaluate)


def evaluate(args: argparse.Namespace) -> int:
    options: dict[str, Any] = {}
    if args.steps is not None:
        options["steps"] = args.steps
    if args.device is not None:
        options["device"] = args.device
    result = evaluate_run(
        args.run_dir, args.protocol, args.labels_fraction, dataset=args.dataset, **options
    )
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['run_id']}: {args.protocol} on {result['dataset']} ({result['seconds']:.1f} s)")
    adaptation = result.get("adaptation")
    if adaptation:
        print(f"  pretrained on {result['pretrain_dataset']}; images adapted: "
              f"channels {adaptation['channels']}, size {adaptation['size']}")  # fmt: skip
    if "accuracy" in result:
        print(f"  accuracy  {result['accuracy']:.1%}")
    for row in result.get("rows", []):
        figures = "  ".join(f"{k} {row[k]:.1%}" for k in row if k not in ("fraction", "n_labels"))
        print(f"  {row['fraction']:>6.1%} ({row['n_labels']} labels)  {figures}")
    for factor in result.get("factors", []):
        print(f"  {factor['factor']:12} {factor['metric']:8} {factor['score']:.3f} "
              f"(chance {factor['chance']:.3f})")  # fmt: skip
    for key in ("std", "std_ideal", "rankme", "rank_max", "alignment", "uniformity"):
        if key in result:
            print(f"  {key:12} {result[key]:.4f}")
    print(f"  saved to {args.run_dir}/eval/{result['name']}.json")
    return 0
