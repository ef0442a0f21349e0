"""Hyperparameter fields that several objectives share, with one label and help text each.

A method's ``Config`` uses these so the same knob reads the same everywhere in the UI, e.g.
``temperature: float = temperature_field(0.2)``.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from sslcore.config import spec
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


def projector(in_dim: int, config: Any, last_batch_norm: bool = False) -> nn.Sequential:
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
