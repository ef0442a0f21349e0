"""Projector and predictor heads: shapes, layer layout, output normalisation, bad arguments."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from sslcore.heads import mlp_head


@pytest.mark.parametrize("n_layers", [1, 2, 3])
@pytest.mark.parametrize("batch_norm", [True, False])
@pytest.mark.parametrize("last_batch_norm", [True, False])
def test_maps_in_dim_to_out_dim_and_trains(
    n_layers: int, batch_norm: bool, last_batch_norm: bool
) -> None:
    torch.manual_seed(0)
    head = mlp_head(24, 40, 12, n_layers, batch_norm, last_batch_norm)
    h = torch.randn(8, 24, requires_grad=True)
    z = head(h)
    assert z.shape == (8, 12)
    z.square().mean().backward()
    assert h.grad is not None and h.grad.abs().sum() > 0


def test_layout_of_a_three_layer_projector() -> None:
    head = mlp_head(16, 32, 8, n_layers=3, last_batch_norm=True)
    kinds = [type(layer) for layer in head]
    assert kinds == [
        nn.Linear, nn.BatchNorm1d, nn.ReLU,
        nn.Linear, nn.BatchNorm1d, nn.ReLU,
        nn.Linear, nn.BatchNorm1d,
    ]  # fmt: skip
    linears = [layer for layer in head if isinstance(layer, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(16, 32), (32, 32), (32, 8)]
    # Every Linear is followed by a BatchNorm, so none needs a bias.
    assert all(m.bias is None for m in linears)
    last = head[-1]
    assert isinstance(last, nn.BatchNorm1d) and not last.affine


def test_without_batch_norm_every_linear_keeps_its_bias() -> None:
    head = mlp_head(16, 32, 8, n_layers=2, batch_norm=False)
    assert [type(layer) for layer in head] == [nn.Linear, nn.ReLU, nn.Linear]
    assert all(m.bias is not None for m in head if isinstance(m, nn.Linear))


def test_one_layer_is_a_plain_linear_map() -> None:
    head = mlp_head(16, 999, 8, n_layers=1)
    assert len(head) == 1 and isinstance(head[0], nn.Linear)
    assert (head[0].in_features, head[0].out_features) == (16, 8)


def test_last_batch_norm_standardises_each_output_dimension() -> None:
    torch.manual_seed(0)
    head = mlp_head(16, 32, 8, last_batch_norm=True).train()
    z = head(torch.randn(64, 16) * 5 + 3)
    torch.testing.assert_close(z.mean(dim=0), torch.zeros(8), atol=1e-5, rtol=0)
    torch.testing.assert_close(z.var(dim=0, unbiased=False), torch.ones(8), atol=1e-3, rtol=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"in_dim": 0}, "in_dim must be at least 1"),
        ({"hidden_dim": 0}, "hidden_dim must be at least 1"),
        ({"out_dim": -3}, "out_dim must be at least 1"),
        ({"n_layers": 0}, "n_layers must be at least 1"),
    ],
)
def test_rejects_impossible_sizes(kwargs: dict[str, int], message: str) -> None:
    arguments = {"in_dim": 16, "hidden_dim": 32, "out_dim": 8} | kwargs
    with pytest.raises(ValueError, match=message):
        mlp_head(**arguments)
