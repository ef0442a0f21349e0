"""What the objectives' ``Config`` classes share: the dotted prefix, bases for the common knobs
(temperature, EMA momentum, projector) and field factories, with one label and help text each.

Every method's hyperparameters are a frozen dataclass deriving from :class:`ObjectiveParams`,
so each field is set as ``objective.params.<name>`` (in a config file, on the command line, in
the Setup form). A knob that several methods have comes from a base, e.g.
``class Config(ProjectorParams, TemperatureParams)``; a Config redeclares a field only to change
its default (``proj_out_dim: int = out_dim_field(512)``). Dataclasses put a base's fields before
the class's own, taking the bases right to left: the form shows the loss's temperature or
momentum, then the projector, then what is the method's own. A knob that is not a base's comes
from a factory below, e.g. ``decoder_width: int = decoder_width_field()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn

from sslcore.config import Section, spec
from sslcore.heads import mlp_head


def temperature_field(default: float) -> Any:
    """The softmax temperature τ of a contrastive loss."""
    return spec(
        default,
        "Temperature τ",
        "Divides the cosine similarities before the softmax: lower τ punishes hard negatives more.",
        min=0.01,
        max=2.0,
        step=0.01,
    )


def hidden_dim_field(default: int) -> Any:
    """Hidden units of the projector MLP g."""
    return spec(
        default,
        "Projector hidden units",
        "Width of the projector MLP between the backbone and the loss.",
        min=16,
        max=8192,
        step=16,
    )


def out_dim_field(default: int) -> Any:
    """Output size of the projector MLP g (the space the loss compares in)."""
    return spec(
        default,
        "Projection size",
        "Dimension of z, the projection the loss sees (h, the representation, is the "
        "backbone's output).",
        min=8,
        max=8192,
        step=8,
    )


def layers_field(default: int) -> Any:
    """Linear layers of the projector MLP g."""
    return spec(default, "Projector layers", "Linear layers in the projector MLP.", min=1, max=4)


def momentum_field(default: float, rises: bool = True) -> Any:
    """(Starting) momentum of an exponential-moving-average (target, key or teacher) network."""
    schedule = "m rises on a cosine schedule (see the end value)" if rises else "m is constant"
    return spec(
        default,
        "EMA momentum",
        f"The slow network follows ξ ← mξ + (1−m)θ; {schedule}. Higher m: a slower, steadier "
        "target.",
        min=0.0,
        max=1.0,
        step=0.001,
    )


def momentum_end_field(default: float = 1.0) -> Any:
    """Where the cosine momentum schedule ends."""
    return spec(
        default,
        "EMA momentum at the end",
        "m rises from its start value to this (paper: 1, the target freezes; equal to the start: "
        "constant, as in lightly's CIFAR-10 benchmark).",
        min=0.0,
        max=1.0,
        step=0.001,
    )


def decoder_width_field(default: int = 128) -> Any:
    """Channels of the first grid of a decoder (:mod:`sslcore.objectives.decoder`)."""
    return spec(
        default, "Decoder width", "Channels of the decoder's first grid.", min=16, max=512, step=16
    )


def mask_ratio_field(default: float, help: str, min: float = 0.0, max: float = 0.95) -> Any:
    """The share of an input that is hidden and has to be rebuilt or predicted."""
    return spec(default, "Mask ratio", help, min=min, max=max, step=0.05)


def memory_size_field(default: int, label: str, help: str) -> Any:
    """How many past projections a method keeps (MoCo's queue, NNCLR's support set)."""
    return spec(default, label, help, min=16, max=262144, step=256)


def gap_field(default: int, part: str) -> Any:
    """Pixels between a tile (or patch) and the border of its grid cell."""
    return spec(
        default, "Gap (pixels)", f"How much smaller a {part} is than its cell.", min=0, max=16
    )


def jitter_field(part: str) -> Any:
    """Whether each tile (or patch) sits at a random offset inside its cell."""
    return spec(True, "Jitter", f"Place each {part} at a random offset inside its cell.")


def samples_field(default: int, help: str) -> Any:
    """How many images a generative method draws for its pictures."""
    return spec(default, "Samples shown", help, min=1, max=32)


@dataclass(frozen=True)
class ObjectiveParams(Section):
    """Base of every objective's ``Config``: its fields are ``objective.params.<name>``."""

    _prefix = "objective.params."


@dataclass(frozen=True)
class TemperatureParams(ObjectiveParams):
    """The softmax temperature of a contrastive loss."""

    temperature: float = temperature_field(0.2)


@dataclass(frozen=True)
class EMAParams(ObjectiveParams):
    """A slow network (target, teacher) whose EMA momentum rises on a cosine schedule."""

    momentum: float = momentum_field(0.99)
    momentum_end: float = momentum_end_field()


@dataclass(frozen=True)
class ProjectorWidths(ObjectiveParams):
    """The widths of a projector MLP g: 512 hidden units, 128 out."""

    proj_hidden_dim: int = hidden_dim_field(512)
    proj_out_dim: int = out_dim_field(128)


@dataclass(frozen=True)
class ProjectorParams(ProjectorWidths):
    """The projector g that :func:`projector` builds: two layers, 512 → 128, by default."""

    proj_layers: int = layers_field(2)


@dataclass(frozen=True)
class WideProjectorParams(ProjectorParams):
    """A wide projector, three layers of 1024: Barlow Twins and VICReg decorrelate its output
    dimensions, which needs many of them (their papers: 8192)."""

    proj_hidden_dim: int = hidden_dim_field(1024)
    proj_out_dim: int = out_dim_field(1024)
    proj_layers: int = layers_field(3)


def projector(in_dim: int, config: ProjectorParams, last_batch_norm: bool = False) -> nn.Sequential:
    """The projector g that a Config's ``proj_hidden_dim``, ``proj_out_dim`` and ``proj_layers``
    describe: Linear-BN-ReLU blocks ending in a plain Linear (SimCLR, MoCo v2, Barlow Twins,
    VICReg), or in a BatchNorm without scale and shift (``last_batch_norm``: NNCLR, SimSiam)."""
    return mlp_head(
        in_dim,
        config.proj_hidden_dim,
        config.proj_out_dim,
        config.proj_layers,
        batch_norm=True,
        last_batch_norm=last_batch_norm,
    )
