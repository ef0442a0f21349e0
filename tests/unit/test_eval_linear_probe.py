"""The linear probe reads a linearly separable label and is deterministic."""

import torch

from sslcore.eval.linear_probe import linear_probe


def separable(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    # The label is which of 4 directions dominates; the features are on a large, shifted scale
    # that standardisation must absorb.
    labels = torch.randint(0, 4, (n,), generator=g)
    features = torch.randn(n, 12, generator=g)
    features[torch.arange(n), labels] += 6.0
    return 100.0 + 50.0 * features, labels


def test_probe_is_near_perfect_on_separable_features():
    train_x, train_y = separable(400, seed=0)
    test_x, test_y = separable(200, seed=1)
    result = linear_probe(train_x, train_y, test_x, test_y)
    assert result.accuracy >= 0.97
    assert result.probe.predict(test_x).shape == (200,)


def test_probe_is_deterministic():
    train_x, train_y = separable(200, seed=0)
    test_x, test_y = separable(100, seed=1)
    first = linear_probe(train_x, train_y, test_x, test_y)
    second = linear_probe(train_x, train_y, test_x, test_y)
    assert first.accuracy == second.accuracy
    assert torch.equal(first.probe.linear.weight, second.probe.linear.weight)
