"""``sslcore datasets [--json]``: the datasets the lab can train on."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sslcore.data import describe_datasets

COLUMNS = ("name", "image", "channels", "size", "classes", "labelled")


def _row(card: dict[str, Any]) -> dict[str, str]:
    side = card["native_size"]
    return {
        "name": card["name"],
        "image": f"{side}x{side}" if side else "varies",
        "channels": str(card["channels"] or "?"),
        "size": f"{card['size']:,}" if card["size"] else "any",
        "classes": str(len(card["classes"])),
        "labelled": "yes" if card["labelled"] else "no",
    }


def format_table(cards: list[dict[str, Any]]) -> str:
    """The dataset cards as an aligned text table."""
    rows = [dict(zip(COLUMNS, COLUMNS, strict=True))] + [_row(c) for c in cards]
    widths = {c: max(len(r[c]) for r in rows) for c in COLUMNS}
    lines = ["  ".join(r[c].ljust(widths[c]) for c in COLUMNS).rstrip() for r in rows]
    lines.append(
        "Your own images: folder:<path> (class subfolders = labels) or npz:<path> "
        "(arrays x, y, classes)."
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    cards = describe_datasets()
    if args.json:
        sys.stdout.write(json.dumps(cards, indent=2) + "\n")
    else:
        sys.stdout.write(format_table(cards) + "\n")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``datasets`` subcommand."""
    parser = subparsers.add_parser(
        "datasets", help="list the datasets", description="List the datasets the lab can use."
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)
