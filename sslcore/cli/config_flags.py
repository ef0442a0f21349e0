"""Command-line flags made from config fields: the field's help text, type, range and choices.

A flag such as ``--batch-size`` sets one :class:`~sslcore.config.RunConfig` field
(``optim.batch_size``). Its help, type and allowed values come from that field's metadata, the
same that labels the lab's forms, so ``sslcore train --help`` and the Setup page say the same
thing and cannot drift apart. Fields with a fixed set of values get ``choices``, so a typo is
refused by the parser with the list of what is allowed.
"""

from __future__ import annotations

import argparse
import dataclasses

from sslcore.config import SECTIONS, ConfigError, RunConfig, field_choices
from sslcore.data.names import DATASET_NAMES, PREFIXES, check_dataset_name

LONG_CHOICES = 5  # longer lists are shown in the help text, not in the usage line


class DatasetChoices(tuple[str, ...]):
    """The built-in dataset names and the ``folder:<path>``-style forms, as argparse choices:
    ``in`` accepts any name :func:`~sslcore.data.names.check_dataset_name` accepts."""

    def __contains__(self, value: object) -> bool:
        try:
            check_dataset_name(str(value))
        except ConfigError:
            return False
        return True


DATASETS = DatasetChoices((*DATASET_NAMES, *(f"{prefix}<path>" for prefix in PREFIXES)))


def config_field(dotted: str) -> dataclasses.Field:
    """The RunConfig field at a dotted path such as ``optim.lr`` (or ``seed``)."""
    *section, leaf = dotted.split(".")
    cls = SECTIONS[section[0]] if section else RunConfig
    return next(f for f in dataclasses.fields(cls) if f.name == leaf)


def field_help(f: dataclasses.Field, dotted: str) -> str:
    """The field's help sentence, its range, and the field it sets."""
    meta = f.metadata
    text = meta["help"].rstrip(".")
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        text += f"; {lo:g} to {hi:g}" if isinstance(f.default, float) else f"; {lo} to {hi}"
    return f"{text} (sets {dotted})"


def add_config_flag(parser: argparse.ArgumentParser, flag: str, dotted: str) -> None:
    """Add ``--flag`` (underscores become dashes) that sets the config field ``dotted``.

    Its value stays None unless given, so a config file or a recipe keeps its own value.
    """
    f = config_field(dotted)
    option = "--" + flag.replace("_", "-")
    help_text = field_help(f, dotted)
    if isinstance(f.default, bool):
        parser.add_argument(option, action="store_const", const=True, help=help_text)
        return
    choices = DATASETS if dotted == "data.dataset" else field_choices(f)
    metavar = None
    if choices is not None and len(choices) > LONG_CHOICES:
        metavar = "NAME"  # keeps the usage line short; the help lists the choices
        help_text += "; one of: %(choices)s"
    parser.add_argument(
        option, type=type(f.default), choices=choices, metavar=metavar, help=help_text
    )
