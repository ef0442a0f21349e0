"""Nearest neighbours of a query image in feature space: what does the model think is alike?"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


@torch.no_grad()
def nearest_neighbours(features: Tensor, query: int, k: int = 8) -> tuple[Tensor, Tensor]:
    """The k images most similar (cosine) to image ``query``, the query itself left out.

    Args:
        features: (N, d) features of the probe set.
        query: row index of the query image.
        k: neighbours to return (fewer when the set is smaller).

    Returns:
        ``(indices, similarities)``: (k,) int64 row indices, most similar first, and their
        (k,) cosine similarities in [−1, 1].
    """
    if features.dim() != 2:
        raise ValueError(f"features must be an (N, d) matrix, got {tuple(features.shape)}")
    n = features.shape[0]
    if not 0 <= query < n:
        raise ValueError(f"query must be a row index in [0, {n}), got {query}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    z = F.normalize(features.float(), dim=1)
    similarity = z @ z[query]  # (N,)
    similarity[query] = -float("inf")
    top = similarity.topk(min(k, n - 1))
    return top.indices, top.values
