"""Weighted k-nearest-neighbour classification of frozen features.

The standard yardstick of self-supervised representations (Wu et al. 2018, "Unsupervised
Feature Learning via Non-Parametric Instance Discrimination", https://arxiv.org/abs/1805.01978;
the same protocol as lightly's and solo-learn's kNN monitors): each test feature finds its k most
similar training features by cosine similarity s, and each neighbour votes for its label with
weight exp(s / τ). A small temperature τ lets the closest neighbours dominate the vote. No
parameters are trained, so kNN is cheap enough to run live while the model learns.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _check(
    train_features: Tensor, train_labels: Tensor, test_features: Tensor, k: int, temperature: float
) -> None:
    if train_features.dim() != 2 or test_features.dim() != 2:
        raise ValueError("train_features and test_features must be (N, d) matrices")
    if train_features.shape[1] != test_features.shape[1]:
        raise ValueError(
            f"train features have {train_features.shape[1]} dimensions but test features have "
            f"{test_features.shape[1]}"
        )
    if train_labels.shape != (train_features.shape[0],):
        raise ValueError(
            f"train_labels must have shape ({train_features.shape[0]},), "
            f"got {tuple(train_labels.shape)}"
        )
    if train_features.shape[0] == 0:
        raise ValueError("train_features is empty: kNN needs at least one labelled neighbour")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")


@torch.no_grad()
def knn_scores(
    train_features: Tensor,
    train_labels: Tensor,
    test_features: Tensor,
    num_classes: int,
    k: int = 20,
    temperature: float = 0.1,
    chunk_size: int = 1024,
) -> Tensor:
    """The weighted votes of the k nearest training features, per class.

    Args:
        train_features: (N, d) features of the labelled images.
        train_labels: (N,) class indices in [0, num_classes).
        test_features: (M, d) features to classify.
        num_classes: number of classes.
        k: neighbours that vote (fewer when there are fewer than k training features).
        temperature: τ in the vote weight exp(s / τ).
        chunk_size: test features handled at once; memory is chunk_size × N similarities.

    Returns:
        (M, num_classes) summed vote weights.
    """
    _check(train_features, train_labels, test_features, k, temperature)
    k = min(k, train_features.shape[0])
    train = F.normalize(train_features.float(), dim=1)
    labels = train_labels.long().to(train.device)
    scores = []
    for start in range(0, test_features.shape[0], chunk_size):
        test = F.normalize(test_features[start : start + chunk_size].float(), dim=1)
        test = test.to(train.device)
        similarity = test @ train.T  # (chunk, N) cosine similarities
        top_similarity, top_index = similarity.topk(k, dim=1)  # (chunk, k)
        weights = (top_similarity / temperature).exp()
        votes = torch.zeros(test.shape[0], num_classes, device=train.device)
        votes.scatter_add_(1, labels[top_index], weights)
        scores.append(votes)
    if not scores:
        return torch.zeros(0, num_classes)
    return torch.cat(scores)


def knn_predict(
    train_features: Tensor,
    train_labels: Tensor,
    test_features: Tensor,
    num_classes: int,
    k: int = 20,
    temperature: float = 0.1,
    chunk_size: int = 1024,
) -> Tensor:
    """The predicted class of each test feature, (M,) int64 (see :func:`knn_scores`)."""
    scores = knn_scores(
        train_features, train_labels, test_features, num_classes, k, temperature, chunk_size
    )
    return scores.argmax(dim=1)


def knn_accuracy(
    train_features: Tensor,
    train_labels: Tensor,
    test_features: Tensor,
    test_labels: Tensor,
    num_classes: int | None = None,
    k: int = 20,
    temperature: float = 0.1,
    chunk_size: int = 1024,
) -> float:
    """The share of test features whose kNN prediction matches their label, in [0, 1].

    ``num_classes`` defaults to one more than the largest label seen in either split.
    """
    if test_labels.shape != (test_features.shape[0],):
        raise ValueError(
            f"test_labels must have shape ({test_features.shape[0]},), "
            f"got {tuple(test_labels.shape)}"
        )
    if test_labels.numel() == 0:
        raise ValueError("test set is empty: accuracy is undefined")
    if num_classes is None:
        num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    predicted = knn_predict(
        train_features, train_labels, test_features, num_classes, k, temperature, chunk_size
    )
    return float((predicted.cpu() == test_labels.cpu()).float().mean())
