"""The linear probe: how much of the label can a linear classifier read off frozen features?

Features are standardised with the training set's mean and std (so one weight decay suits
every backbone's scale), then a linear layer is fitted by full-batch L-BFGS on cross-entropy
plus an L2 penalty. The problem is convex and the weights start at zero, so the fit is
deterministic: the same features always give the same probe, without a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

STD_FLOOR = 1e-6


class LinearProbe(nn.Module):
    """Standardise, then a linear layer: logits = W (h − μ) / σ + b."""

    mean: Tensor
    std: Tensor

    def __init__(self, mean: Tensor, std: Tensor, num_classes: int) -> None:
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.linear = nn.Linear(mean.numel(), num_classes)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, features: Tensor) -> Tensor:  # type: ignore[override]
        return self.linear((features.float() - self.mean) / self.std)

    @torch.no_grad()
    def predict(self, features: Tensor) -> Tensor:
        """(M,) predicted class indices."""
        return self(features).argmax(dim=1)


@dataclass
class ProbeResult:
    """A fitted probe and its test accuracy in [0, 1]."""

    accuracy: float
    probe: LinearProbe


def standardisation(features: Tensor) -> tuple[Tensor, Tensor]:
    """Per-dimension mean and std of (N, d) features; constant dimensions get std 1."""
    mean = features.float().mean(dim=0)
    std = features.float().std(dim=0) if features.shape[0] > 1 else torch.ones_like(mean)
    return mean, torch.where(std > STD_FLOOR, std, torch.ones_like(std))


def fit_linear_probe(
    features: Tensor,
    labels: Tensor,
    num_classes: int | None = None,
    weight_decay: float = 1e-4,
    max_iter: int = 200,
) -> LinearProbe:
    """Fit a linear classifier to frozen (N, d) features and (N,) labels.

    Args:
        features: (N, d) training features.
        labels: (N,) class indices.
        num_classes: number of classes (default: largest label + 1).
        weight_decay: λ in the loss CE + λ/2 ‖W‖² (on standardised features).
        max_iter: L-BFGS iterations.
    """
    if features.dim() != 2 or labels.shape != (features.shape[0],) or features.shape[0] == 0:
        raise ValueError(
            f"features must be (N, d) and labels (N,) with N >= 1, got {tuple(features.shape)} "
            f"and {tuple(labels.shape)}"
        )
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
    labels = labels.long()
    num_classes = int(labels.max()) + 1 if num_classes is None else num_classes
    probe = LinearProbe(*standardisation(features), num_classes)
    optimizer = torch.optim.LBFGS(
        probe.parameters(),
        lr=1.0,
        max_iter=max_iter,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(probe(features), labels)
        loss = loss + 0.5 * weight_decay * probe.linear.weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    return probe.eval()


def linear_probe(
    train_features: Tensor,
    train_labels: Tensor,
    test_features: Tensor,
    test_labels: Tensor,
    num_classes: int | None = None,
    weight_decay: float = 1e-4,
    max_iter: int = 200,
) -> ProbeResult:
    """Fit a probe on the training features and measure its accuracy on the test features."""
    if test_labels.numel() == 0:
        raise ValueError("test set is empty: accuracy is undefined")
    if num_classes is None:
        num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    probe = fit_linear_probe(train_features, train_labels, num_classes, weight_decay, max_iter)
    predicted = probe.predict(test_features)
    accuracy = float((predicted == test_labels.long()).float().mean())
    return ProbeResult(accuracy=accuracy, probe=probe)
