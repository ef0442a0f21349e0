"""``sslcore backbones [--json]``: list the backbones, their size and the images they accept."""

from __future__ import annotations

import argparse
import json

from sslcore.backbones import describe_backbones


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backbones",
        help="list the backbones",
        description="List the backbones: parameters and feature size at 32x32 RGB with the "
        "default settings, and the image sizes each accepts.",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rows = describe_backbones()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    name_width = max(len(row["name"]) for row in rows)
    print(f"{'name':<{name_width}}  {'params':>7}  {'out_dim':>7}  image size")
    for row in rows:
        params = f"{row['params'] / 1e6:.2f}M"
        print(
            f"{row['name']:<{name_width}}  {params:>7}  {row['out_dim']:>7}  {row['image_sizes']}"
        )
        print(f"{'':<{name_width}}  {row['description']}")
    return 0
