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
from collections.abc import Callable

from sslcore.backbones import BACKBONES, TIMM_PREFIX
from sslcore.config import SECTIONS, ConfigError, RunConfig, field_choices
from sslcore.data.names import DATASET_NAMES, PREFIXES, check_dataset_name

LONG_CHOICES = 5  # longer lists are shown in the help text, not in the usage line


class OpenChoices(tuple[str, ...]):
    """Choices that list the built-in names but also let through a name of an open family
    (``folder:<path>``, ``timm:<model>``): ``in`` asks ``accepts``, and the config's own check
    then names what is wrong with a name the parser let through."""

    accepts: Callable[[str], bool]

    def __new__(cls, names: tuple[str, ...], accepts: Callable[[str], bool]) -> OpenChoices:
        choices = super().__new__(cls, names)
        choices.accepts = accepts
        return choices

    def __contains__(self, value: object) -> bool:
        return self.accepts(str(value))


def _is_dataset(name: str) -> bool:
    try:
        check_dataset_name(name)
    except ConfigError:
        return False
    return True


DATASETS = OpenChoices((*DATASET_NAMES, *(f"{prefix}<path>" for prefix in PREFIXES)), _is_dataset)
BACKBONE_CHOICES = OpenChoices(
    (*BACKBONES, f"{TIMM_PREFIX}<model>"),
    lambda name: name in BACKBONES or name.startswith(TIMM_PREFIX),
)
OPEN_CHOICES = {"data.dataset": DATASETS, "backbone.name": BACKBONE_CHOICES}


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
    choices = OPEN_CHOICES.get(dotted) or field_choices(f)
    metavar = None
    if choices is not None and len(choices) > LONG_CHOICES:
        metavar = "NAME"  # keeps the usage line short; the help lists the choices
        help_text += "; one of: %(choices)s"
    parser.add_argument(
        option, type=type(f.default), choices=choices, metavar=metavar, help=help_text
    )
