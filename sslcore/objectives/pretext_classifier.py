"""The classifier head and loss shared by pretext-classification tasks (rotation, jigsaw, ...).

A predictive method invents a label from the image itself (an angle, a permutation, a relative
position) and trains a small head on the backbone's features to predict it. The head is kept
small so that the work of recognising has to happen in the backbone.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from sslcore.config import spec
from sslcore.heads import mlp_head


def head_hidden_field(default: int) -> int:
    """The ``head_hidden`` Config field: hidden units of the pretext classifier (0: linear)."""
    return spec(  # type: ignore[no-any-return]
        default,
        "Head hidden units",
        "Hidden layer of the pretext classifier on h; 0 makes it linear.",
        min=0,
        max=4096,
        step=64,
    )


def classifier_head(in_dim: int, hidden: int, classes: int) -> nn.Module:
    """Linear when ``hidden`` is 0, else Linear -> BatchNorm -> ReLU -> Linear."""
    if hidden == 0:
        return mlp_head(in_dim, classes, classes, n_layers=1)
    return mlp_head(in_dim, hidden, classes, n_layers=2)


def pretext_loss(
    logits: Tensor, labels: Tensor, accuracy_name: str
) -> tuple[Tensor, dict[str, Tensor]]:
    """L = −log p(label | input) averaged over the batch, with the pretext accuracy.

    Args:
        logits: (B, classes).
        labels: (B,) the invented targets.
        accuracy_name: the component name of the accuracy, e.g. ``"rotation_accuracy"``.

    Returns:
        The loss and the components ``cross_entropy`` and ``accuracy_name``.
    """
    loss = F.cross_entropy(logits, labels)
    accuracy = (logits.argmax(1) == labels).float().mean()
    return loss, {"cross_entropy": loss.detach(), accuracy_name: accuracy}
