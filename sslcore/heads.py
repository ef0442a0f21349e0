"""Projector and predictor heads: the small MLPs that self-supervised losses are computed on.

The backbone f gives the representation h = f(x). A *projector* g maps it to z = g(h), and the
loss compares the z of two views. SimCLR (Chen et al. 2020, arXiv:2002.05709) found that putting
the loss on z rather than on h makes h markedly better for downstream tasks (over 10 points of
linear-probe accuracy): the invariance the loss demands (to colour, crop, flip) is pushed into
g, which may throw information away, so h keeps details such as colour or orientation that a
later task may need. After training the projector is discarded and h is what gets evaluated.

A *predictor* q is a second MLP on top of the projector, used by the asymmetric methods BYOL
(Grill et al. 2020, arXiv:2006.07733) and SimSiam (Chen & He 2021, arXiv:2011.10566): the online
branch predicts the other branch's projection, p = q(z), and only that branch gets gradients.
Without the predictor these methods collapse to a constant. Predictors are usually a bottleneck
(hidden_dim smaller than out_dim, e.g. 2048 -> 512 -> 2048 in SimSiam).
"""

from __future__ import annotations

from torch import nn


def mlp_head(
    in_dim: int,
    hidden_dim: int,
    out_dim: int,
    n_layers: int = 2,
    batch_norm: bool = True,
    last_batch_norm: bool = False,
) -> nn.Sequential:
    """Build a projector or predictor: (Linear -> BatchNorm -> ReLU) x (n_layers - 1) -> Linear.

    Examples of the recipes in the papers:

    - SimCLR projector: ``mlp_head(512, 2048, 128)``.
    - BYOL projector and predictor: ``mlp_head(512, 4096, 256)``, ``mlp_head(256, 4096, 256)``.
    - SimSiam projector: ``mlp_head(512, 2048, 2048, n_layers=3, last_batch_norm=True)``.
    - Barlow Twins / VICReg expander: ``mlp_head(512, 8192, 8192, n_layers=3)``.

    Args:
        in_dim: size of the input (the backbone's ``out_dim`` for a projector).
        hidden_dim: units of each hidden layer.
        out_dim: size of the output z (or p).
        n_layers: Linear layers in all, at least 1 (1 is a plain linear map).
        batch_norm: BatchNorm after each hidden Linear. The heads train badly without it:
            SimSiam with no BatchNorm in its heads reached 34.6% ImageNet linear accuracy
            instead of 68.1% (its Table 3).
        last_batch_norm: a BatchNorm without learned scale and shift on the output, as in
            SimSiam's projector; the last Linear then drops its bias, which that BatchNorm would
            remove anyway.

    Returns:
        The head, mapping (B, in_dim) to (B, out_dim).
    """
    for label, value in (("in_dim", in_dim), ("hidden_dim", hidden_dim), ("out_dim", out_dim)):
        if value < 1:
            raise ValueError(f"mlp_head {label} must be at least 1, got {value}")
    if n_layers < 1:
        raise ValueError(f"mlp_head n_layers must be at least 1, got {n_layers}")
    layers: list[nn.Module] = []
    width = in_dim
    for _ in range(n_layers - 1):
        # A BatchNorm right after makes the Linear's bias redundant.
        layers.append(nn.Linear(width, hidden_dim, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm1d(hidden_dim))
        layers.append(nn.ReLU(inplace=True))
        width = hidden_dim
    layers.append(nn.Linear(width, out_dim, bias=not last_batch_norm))
    if last_batch_norm:
        layers.append(nn.BatchNorm1d(out_dim, affine=False))
    return nn.Sequential(*layers)
