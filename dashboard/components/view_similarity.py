"""The batch similarity matrix of the views the model trained on: view 1 × view 2.

A contrastive or distillation objective is told that two views of one image belong together
and (for contrastive ones) that views of different images do not. This matrix shows whether the
network learned that: entry (i, j) is the cosine similarity of image i's first view and image
j's second view, so the positive pairs sit on the diagonal and should be the brightest cells of
their rows; a matrix bright everywhere means every view maps to the same point (collapse).

The run directory holds the views (the ``views`` snapshot: the first few images of a training
batch, their views interleaved) but not their embeddings, so the page embeds them itself with the
run's checkpointed backbone (:func:`sslcore.load_backbone`, the features h that kNN, probes and
the map read), cached per (run, snapshot step, checkpoint). The checkpoint is written less often
than snapshots, so the caption says which step's weights embedded which step's views.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from dashboard.components import charts
from dashboard.state import projector
from sslcore import api
from sslcore.store import RunStore

TITLE = "Similarity of the views trained on"


@st.cache_data(show_spinner=False, max_entries=16)
def similarity(
    run_dir: str, step: int, n_views: int, weights_stamp: float
) -> tuple[np.ndarray, int]:
    """Cosine similarity (N, N) of view 1 (rows) × view 2 (columns) of the ``views`` snapshot at
    ``step``, and the step of the checkpoint that embedded them.

    ``weights_stamp`` (the checkpoint's modification time) is only part of the cache key, so a
    newer checkpoint embeds the views again.
    """
    return api.views_similarity(run_dir, step, n_views)


def figure(matrix: np.ndarray) -> go.Figure:
    """The heatmap: rows view 1, columns view 2, numbers in the cells, a colour scale from the
    lowest value (rounded down to a tenth) to 1.

    The scale starts at the data, not at −1: a ReLU backbone's features are never negative, so
    its cosines sit between 0 and 1, and a −1..1 scale would paint them all one colour.
    """
    n = len(matrix)
    names = [str(i + 1) for i in range(n)]
    fig = go.Figure(
        go.Heatmap(
            z=matrix,
            x=names,
            y=names,
            zmin=min(np.floor(float(matrix.min()) * 10) / 10, 0.9),
            zmax=1,
            colorscale="Viridis",
            colorbar={"title": {"text": "cosine"}},
            text=np.round(matrix, 2),
            texttemplate="%{text:.2f}",
            hovertemplate="view 1 of image %{y} · view 2 of image %{x}: %{z:.2f}<extra></extra>",
        )
    )
    side = 560 if projector() else 420
    fig = charts.styled(fig, TITLE, "view 1 (image)", height=side)
    fig.update_layout(xaxis_title="view 2 (image)", hovermode="closest")
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")  # image 1 top left
    return fig


def render(store: RunStore, n_views: int) -> bool:
    """Draw the matrix for the latest views; False (nothing drawn) when it cannot be made yet."""
    steps = store.snapshot_steps("views")
    weights = store.checkpoint_path()
    if n_views < 2 or not steps or not weights.exists():
        return False
    try:
        matrix, weights_step = similarity(
            str(store.path), steps[-1], n_views, weights.stat().st_mtime
        )
    except (OSError, ValueError, KeyError, RuntimeError):
        return False
    charts.show(figure(matrix), key=f"view-similarity-{store.run_id}")
    diagonal = float(np.diag(matrix).mean())
    others = float(matrix[~np.eye(len(matrix), dtype=bool)].mean()) if len(matrix) > 1 else 0.0
    st.caption(
        f"Each cell: how alike the network finds view 1 of one image (row) and view 2 of "
        f"another (column), for the first {len(matrix)} images of the batch of step "
        f"{steps[-1]}, embedded with the weights of step {weights_step} (the backbone's h). "
        f"Positive pairs are on the diagonal: {diagonal:.2f} on average, against {others:.2f} "
        "for different images. A learned representation lights up the diagonal; a matrix "
        "bright everywhere means collapse."
    )
    return True
