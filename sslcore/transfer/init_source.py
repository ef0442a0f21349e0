"""The syntax of ``backbone.init_from``: where a run's initial weights come from.

Three forms are allowed:

- ``scratch``: random weights drawn from the run's seed (the default);
- ``run:<run id or run directory>``: the backbone of another run's ``checkpoints/last.pt`` (the
  same backbone family is required); a run id is looked up in ``$SSL_LAB_RUNS_DIR`` (default
  ``./runs``), a path is used as it is;
- ``imagenet``: torchvision's published ImageNet-supervised weights (ResNet-18/34/50 only).

This module only checks the spelling, so the config can validate without touching torch or the
file system; :mod:`sslcore.transfer.init` finds and loads the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

from sslcore.config import ConfigError

IMAGENET_BACKBONES = ("resnet18", "resnet34", "resnet50")
RUN_PREFIX = "run:"
FIELD = "backbone.init_from"


@dataclass(frozen=True)
class InitSource:
    """A parsed ``init_from``: ``kind`` is scratch, run or imagenet; ``ref`` the run reference."""

    kind: str
    ref: str = ""


def parse_init_from(value: str) -> InitSource:
    """Parse an ``init_from`` value.

    Raises:
        ConfigError: the value is none of the three forms.
    """
    if value in ("scratch", "imagenet"):
        return InitSource(value)
    if value.startswith(RUN_PREFIX) and value[len(RUN_PREFIX) :].strip():
        return InitSource("run", value[len(RUN_PREFIX) :].strip())
    raise ConfigError(
        FIELD,
        f"{value!r} is not allowed: use scratch, imagenet, or run:<run id or run directory> "
        "(e.g. run:simclr-20250101-120000-ab12)",
    )


def check_init_from(backbone: str, value: str) -> None:
    """Raise ConfigError unless ``value`` is a valid ``init_from`` for ``backbone``."""
    source = parse_init_from(value)
    if source.kind == "imagenet" and backbone not in IMAGENET_BACKBONES:
        raise ConfigError(
            FIELD,
            f"ImageNet weights exist for {', '.join(IMAGENET_BACKBONES)} only, not {backbone}: "
            "pick one of those backbones, or initialise from scratch or from a run",
        )
