"""Momentum (EMA) networks: a frozen copy of the online network that slowly follows it.

BYOL's target, MoCo's key encoder and DINO's teacher are all ``ξ ← mξ + (1−m)θ`` with m rising
towards 1 on a cosine schedule, so the target moves fast at first and freezes at the end.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn


def momentum_copy(module: nn.Module) -> nn.Module:
    """A deep copy of ``module`` that receives no gradient (it is updated by EMA only)."""
    target = copy.deepcopy(module)
    for param in target.parameters():
        param.requires_grad_(False)
    return target


def cosine_momentum(base: float, progress: float, end: float = 1.0) -> float:
    """m at ``progress`` in [0, 1]: end − (end − base)·(cos(π·progress) + 1)/2 (BYOL, §3.2).

    Args:
        base: the momentum at the start of training (e.g. 0.996).
        progress: share of training done.
        end: the momentum at the end: 1 in the paper; ``base`` keeps it constant (lightly's
            CIFAR-10 benchmark: 0.99 throughout).

    Returns:
        ``base`` at progress 0, rising to ``end`` at progress 1.
    """
    progress = min(max(progress, 0.0), 1.0)
    return end - (end - base) * (math.cos(math.pi * progress) + 1.0) / 2.0


@torch.no_grad()
def ema_update(target: nn.Module, online: nn.Module, momentum: float) -> None:
    """ξ ← m·ξ + (1 − m)·θ for every parameter; buffers (BatchNorm statistics) are copied.

    Args:
        target: the momentum network ξ, made with :func:`momentum_copy` of ``online``.
        online: the network θ trained by gradient descent.
        momentum: m in [0, 1]; 1 freezes the target.
    """
    for target_param, online_param in zip(target.parameters(), online.parameters(), strict=True):
        target_param.lerp_(online_param.detach(), 1.0 - momentum)
    for target_buffer, online_buffer in zip(target.buffers(), online.buffers(), strict=True):
        target_buffer.copy_(online_buffer)
