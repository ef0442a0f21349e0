"""The ``sslcore`` command line: one small module per subcommand.

Each module in :data:`COMMANDS` has ``register(subparsers)`` which adds its parser and sets
``func(args) -> int``. Bad input ends with exit code 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from sslcore.cli import (
    backbones_cmd,
    datasets_cmd,
    eval_cmd,
    export_cmd,
    objectives_cmd,
    runs_cmd,
    train_cmd,
)
from sslcore.cli.errors import explain, quiet_broken_pipe

COMMANDS = (datasets_cmd, backbones_cmd, objectives_cmd, train_cmd, runs_cmd, eval_cmd, export_cmd)


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (the problem and where the help is), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="sslcore", description="SSL Lab engine")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``sslcore`` command; every failure ends as one line on stderr and an exit code
    (see :mod:`sslcore.cli.errors`)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("sslcore: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return quiet_broken_pipe()
    except Exception as err:
        if os.environ.get("SSL_LAB_DEBUG"):
            raise
        message, code = explain(err)
        print(f"sslcore: error: {message}", file=sys.stderr)
        return code
