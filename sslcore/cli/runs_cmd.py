"""``sslcore runs``: the runs in a runs directory, with their state and last figures."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sslcore.store import list_runs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="list the runs in a runs directory")
    p.add_argument(
        "--runs-dir", type=Path, default=Path("runs"), help="the folder of runs (./runs)"
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.set_defaults(func=show_runs)


def _numbers(rows: list[dict[str, Any]], key: str) -> list[float]:
    """The numeric values of ``key`` in metric rows (a hand-edited file may hold anything)."""
    values = (row.get(key) for row in rows)
    return [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def show_runs(args: argparse.Namespace) -> int:
    rows = []
    for store in list_runs(args.runs_dir):
        status, config = store.status() or {}, store.config() or {}
        metrics = store.metrics()
        knn = _numbers(metrics, "knn_accuracy")
        losses = _numbers(metrics, "loss")
        rows.append(
            {
                "run_id": store.run_id,
                "state": status.get("state", "unknown"),
                "step": status.get("step", 0),
                "total_steps": status.get("total_steps", 0),
                "objective": config.get("objective", {}).get("name"),
                "dataset": config.get("data", {}).get("dataset"),
                "backbone": config.get("backbone", {}).get("name"),
                "loss": losses[-1] if losses else None,
                "knn_accuracy": knn[-1] if knn else None,
                "message": status.get("message", ""),
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no runs in {args.runs_dir}")
        return 0
    print(f"{'run':44} {'state':11} {'step':>11} {'objective':14} {'loss':>8} {'kNN':>6}")
    for r in rows:
        loss = f"{r['loss']:.4f}" if r["loss"] is not None else "-"
        knn_text = f"{r['knn_accuracy']:.1%}" if r["knn_accuracy"] is not None else "-"
        steps = f"{r['step']}/{r['total_steps']}"
        print(
            f"{r['run_id']:44} {r['state']:11} {steps:>11} {r['objective'] or '-':14} "
            f"{loss:>8} {knn_text:>6}"
        )
    return 0
