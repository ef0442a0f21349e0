"""Weighted kNN: near-perfect on separable features, exact on a hand-checked vote."""

import pytest
import torch

from sslcore.eval.knn import knn_accuracy, knn_predict, knn_scores


def blobs(n_per_class: int, num_classes: int, dim: int, seed: int) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_classes, dim, generator=torch.Generator().manual_seed(99)) * 4
    labels = torch.arange(num_classes).repeat_interleave(n_per_class)
    features = centres[labels] + torch.randn(labels.numel(), dim, generator=g)
    return features, labels


def test_knn_is_near_perfect_on_separable_blobs():
    train_x, train_y = blobs(50, 5, 16, seed=0)
    test_x, test_y = blobs(20, 5, 16, seed=1)
    assert knn_accuracy(train_x, train_y, test_x, test_y, k=10) >= 0.98


def test_knn_is_at_chance_on_random_labels():
    train_x, _ = blobs(50, 5, 16, seed=0)
    test_x, test_y = blobs(40, 5, 16, seed=1)
    shuffled = torch.randint(0, 5, (train_x.shape[0],), generator=torch.Generator().manual_seed(3))
    assert knn_accuracy(train_x, shuffled, test_x, test_y, num_classes=5) < 0.45


def test_votes_are_weighted_by_exp_similarity_over_temperature():
    train = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    labels = torch.tensor([0, 1, 1])
    query = torch.tensor([[1.0, 0.2]])
    scores = knn_scores(train, labels, query, num_classes=2, k=3, temperature=0.5)
    sims = (
        torch.nn.functional.normalize(query, dim=1) @ torch.nn.functional.normalize(train, dim=1).T
    )
    expected = torch.tensor([[sims[0, 0].div(0.5).exp(), sims[0, 1:].div(0.5).exp().sum()]])
    assert torch.allclose(scores, expected)
    # Two label-1 neighbours outvote one closer label-0 neighbour at high temperature, not at low.
    assert knn_predict(train, labels, query, 2, k=3, temperature=10.0).item() == 1
    assert knn_predict(train, labels, query, 2, k=3, temperature=0.05).item() == 0


def test_chunking_does_not_change_the_result():
    train_x, train_y = blobs(30, 4, 8, seed=0)
    test_x, _ = blobs(25, 4, 8, seed=1)
    whole = knn_scores(train_x, train_y, test_x, 4, chunk_size=1000)
    chunked = knn_scores(train_x, train_y, test_x, 4, chunk_size=7)
    assert torch.allclose(whole, chunked)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"k": 0}, "k must be at least 1"), ({"temperature": 0.0}, "temperature must be positive")],
)
def test_bad_arguments_are_named(kwargs, message):
    x, y = blobs(5, 2, 4, seed=0)
    with pytest.raises(ValueError, match=message):
        knn_predict(x, y, x, 2, **kwargs)
