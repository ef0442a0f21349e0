"""``sslcore objectives``: every registered method, its family and its hyperparameters."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from sslcore.config import field_choices
from sslcore.objectives import OBJECTIVES


def describe_objectives() -> list[dict[str, Any]]:
    """Name, family, views, compatible backbones and hyperparameters of every objective."""
    rows = []
    for name, cls in OBJECTIVES.items():
        params = []
        for f in dataclasses.fields(cls.Config):
            params.append(
                {
                    "name": f.name,
                    "default": f.default,
                    "label": f.metadata.get("label"),
                    "help": f.metadata.get("help"),
                    "min": f.metadata.get("min"),
                    "max": f.metadata.get("max"),
                    "choices": field_choices(f),
                }
            )
        doc = (cls.__doc__ or "").strip().splitlines()
        rows.append(
            {
                "name": name,
                "family": cls.family,
                "n_views": cls.n_views,
                "compatible_backbones": list(cls.compatible_backbones or ["any"]),
                "summary": doc[0] if doc else "",
                "hyperparameters": params,
            }
        )
    return rows


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("objectives", help="list the self-supervised objectives")
    p.add_argument(
        "--json", action="store_true", help="print a JSON list with every hyperparameter"
    )
    p.set_defaults(func=show_objectives)


def show_objectives(args: argparse.Namespace) -> int:
    rows = describe_objectives()
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    for r in rows:
        knobs = ", ".join(f"{p['name']}={p['default']}" for p in r["hyperparameters"])
        print(f"{r['name']:18} {r['family']:13} views={r['n_views']}  {r['summary']}")
        print(f"{'':18} {knobs}")
    return 0
