"""Nearest neighbours come back most similar first, without the query."""

import torch

from sslcore.eval.neighbours import nearest_neighbours


def test_neighbours_are_sorted_and_exclude_the_query():
    features = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.7, 0.7], [-1.0, 0.0]])
    indices, similarities = nearest_neighbours(features, query=0, k=3)
    assert indices.tolist() == [1, 3, 2]
    assert similarities[0] >= similarities[1] >= similarities[2]
    assert nearest_neighbours(features, query=0, k=99)[0].numel() == 4
