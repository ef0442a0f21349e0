"""Questions about one run, answered from its directory: what it is, and figures of what it learned.

Every function takes the run directory (a path, or the :class:`~sslcore.api.Run` of it) and
reads only what the run wrote: ``run_card.json`` (what the run is, :mod:`sslcore.run_card`),
its embeddings, its snapshots and its checkpoint. A run that is training now, one finished last
week and one written by a cluster job are read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sslcore.api.notebook import Run
from sslcore.checkpoint import load_checkpoint, trained_backbone
from sslcore.config import ConfigError, RunConfig, from_dict
from sslcore.eval.collapse import uniformity as _uniformity
from sslcore.eval.collapse_width import collapse_width, healthy_std
from sslcore.eval.neighbours import nearest_neighbours
from sslcore.eval.projection import Layout, is_warm, project, warm_up
from sslcore.export.backbone import TrainedBackbone
from sslcore.run_card import Factor, RunCard, read_card
from sslcore.store import RunStore
from sslcore.train.monitor import BANK_SIZE
from sslcore.train.time_left import time_left

__all__ = [
    "Factor",
    "RunCard",
    "class_names",
    "embedding_width",
    "healthy_std",
    "knn_bank_size",
    "map_layout",
    "neighbours",
    "run_card",
    "seconds_left",
    "umap_ready",
    "uniformity",
    "value_names",
    "views_similarity",
    "warm_up_umap",
]

RunLike = str | Path | Run


def _path(run: RunLike) -> Path:
    return run.path if isinstance(run, Run) else Path(run)


def run_card(run: RunLike) -> RunCard:
    """What the run is (``run_card.json``; rebuilt from config.json for a run older than cards).

    Raises:
        ValueError: the card is malformed, or there is neither a card nor a readable config.
    """
    return read_card(RunStore(_path(run)))


def class_names(run: RunLike) -> list[str]:
    """The names of the run's classes, index-aligned with its labels (empty when unlabelled)."""
    return list(run_card(run).data.classes)


def value_names(card: RunCard) -> dict[str, list[str]]:
    """``label`` and each categorical factor -> the names of its values, as recorded."""
    factors = {f.name: list(f.values) for f in card.data.factors if f.values}
    return {"label": list(card.data.classes), **factors}


def embedding_width(config: Mapping[str, Any]) -> int | None:
    """d of the embedding behind ``collapse_std`` for a run's config dict (None if unknown)."""
    try:
        return collapse_width(from_dict(RunConfig, dict(config)))
    except (ConfigError, KeyError, ValueError):
        return None


def uniformity(features: np.ndarray) -> float:
    """log E exp(-2 |u - v|^2) over pairs of the (N, d) features, normalised: 0 when every
    point is one, down to about -4 when they spread over the sphere."""
    return _uniformity(torch.from_numpy(np.asarray(features, dtype=np.float32)))


def knn_bank_size() -> int:
    """How many labelled training images the live kNN votes among (at most)."""
    return BANK_SIZE


def umap_ready() -> bool:
    """Whether UMAP's kernels are compiled (until then a map costs about 15 s more)."""
    return is_warm()


def warm_up_umap() -> None:
    """Compile UMAP's kernels in a background thread (once per process)."""
    warm_up()


def map_layout(
    features: np.ndarray,
    method: str,
    ids: np.ndarray | None = None,
    previous_ids: np.ndarray | None = None,
    previous_coords: np.ndarray | None = None,
) -> np.ndarray:
    """(N, 2) map coordinates of (N, d) ``features`` by ``umap``, ``pca`` or ``tsne``, starting
    from the previous frame (its ids and coordinates) when given, so a live map moves smoothly."""
    previous = None
    if previous_ids is not None and previous_coords is not None:
        previous = Layout(ids=previous_ids, coords=previous_coords)
    return project(features, method, previous=previous, seed=0, ids=ids)


def neighbours(features: np.ndarray, index: int, k: int) -> tuple[list[int], list[float]]:
    """The ``k`` rows of (N, d) ``features`` most cosine-similar to row ``index`` (itself
    excluded), most similar first, with their similarities."""
    found, similarities = nearest_neighbours(
        torch.from_numpy(np.asarray(features, dtype=np.float32)), index, k=k
    )
    return found.tolist(), similarities.tolist()


def views_similarity(run: RunLike, step: int, n_views: int) -> tuple[np.ndarray, int]:
    """(N, N) cosine similarities of the backbone features h between view 1 and view 2 of the
    N images of the ``views`` snapshot at ``step``, by the run's latest checkpoint, and that
    checkpoint's step.

    Raises:
        FileNotFoundError: the snapshot or the checkpoint cannot be read.
    """
    store = RunStore(_path(run))
    snapshot = store.load_snapshot("views", step)
    if snapshot is None:
        raise FileNotFoundError(f"the views of step {step} could not be read")
    state = load_checkpoint(store.checkpoint_path())
    backbone, _ = trained_backbone(state)
    model = TrainedBackbone(backbone, state["image"]["channels"], state["image"]["size"])
    images = snapshot["images"]  # (N * n_views, H, W, C): image i's view j at i * n_views + j
    views = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    views = views.reshape(-1, n_views, *views.shape[1:])  # (N, n_views, C, H, W)
    with torch.no_grad():
        h1 = torch.nn.functional.normalize(model(views[:, 0]).float(), dim=1)  # (N, d)
        h2 = torch.nn.functional.normalize(model(views[:, 1]).float(), dim=1)  # (N, d)
    return (h1 @ h2.T).numpy(), int(state["step"])


def seconds_left(rows: Sequence[Mapping[str, Any]], total_steps: int) -> float | None:
    """Seconds until ``total_steps`` at the run's recent pace (metrics rows); None if unknown."""
    return time_left(rows, total_steps)
