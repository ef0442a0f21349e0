"""The Train page's health figures, each drawn with what a healthy value looks like.

On a projector a bare number explains nothing: the collapse check gets its healthy level 1/√d
as a dashed line, RankMe its ceiling, and every chart a help icon that says what the figure
measures and which way is good. Uniformity is computed here from the probe embeddings the
monitor saves (one cached value per saved step), as the trainer does not log it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.components import charts
from sslcore import api
from sslcore.store import RunStore

COLLAPSE_HELP = (
    "The spread of the embedding on the unit sphere: the std over images of z/‖z‖, averaged "
    "over its d dimensions. Unit vectors spread evenly over d dimensions give 1/√d (the dashed "
    "lines); every image on one point gives 0, which is collapse. Healthy runs stay near the "
    "line: about 0.06 to 0.09 for d = 256 to 128. **collapse_std** is the projection the loss "
    "sees, on each training batch; **feature_std** the backbone's features h of the probe "
    "images. The first point (step 0) is a random network and often reads far lower: its "
    "features are non-negative (ReLU) and share one large common direction, so every image "
    "points almost the same way until training spreads them out."
)
RANKME_HELP = (
    "RankMe (Garrido et al. 2023): the effective number of dimensions the probe images' "
    "features use, exp of the entropy of their normalised singular values. 1 means collapsed "
    "to a line; the dashed line is the most possible, min(images, d). Higher is better; a "
    "steady fall warns of dimensional collapse even while the loss looks fine."
)
KNN_HELP = (
    "Each probe image's k nearest training images (cosine similarity of the frozen features) "
    "vote for their class, weighted by exp(similarity / τ). No training, so it can run live; "
    "it rises as images of one class land near each other."
)
UNIFORMITY_HELP = (
    "Wang & Isola (2020), on normalised features. Alignment, E‖u − u⁺‖² over two augmented "
    "views of each image of the training batch: lower means the views land closer, 0 that the "
    "augmentations change nothing in the features. Uniformity, log E exp(−2‖u − v‖²) over pairs "
    "of probe images: 0 when every image lands on one point, lower (down to about −4) when they "
    "spread over the sphere. A collapsed model aligns perfectly and is not uniform at all; "
    "good features do well on both. Step 0 has no alignment: no views were made yet."
)


@st.cache_data(max_entries=64, show_spinner=False)
def _width(config: dict[str, Any]) -> int | None:
    """d of the embedding behind ``collapse_std`` (None if the config cannot say)."""
    return api.embedding_width(config)


@st.cache_data(max_entries=4096, show_spinner=False)
def _uniformity_at(run_path: str, step: int, modified: float) -> float | None:
    """Uniformity of the probe features saved at ``step`` (``modified`` keys a rewritten file)."""
    arrays = RunStore(Path(run_path)).load_embeddings(step)
    if arrays is None or arrays["features"].shape[0] < 2:
        return None
    return api.uniformity(arrays["features"])


def uniformity_frame(store: RunStore) -> pd.DataFrame:
    """(step, uniformity) of every saved probe embedding."""
    rows = []
    for step in store.embedding_steps():
        path = store.path / "embeddings" / f"step_{step:07d}.npz"
        try:
            modified = path.stat().st_mtime
        except OSError:
            continue
        value = _uniformity_at(str(store.path), step, modified)
        if value is not None:
            rows.append({"step": step, "uniformity": value})
    return pd.DataFrame(rows, columns=["step", "uniformity"])


@st.cache_data(max_entries=256, show_spinner=False)
def _features_shape(run_path: str, step: int) -> tuple[int, int] | None:
    arrays = RunStore(Path(run_path)).load_embeddings(step)
    return None if arrays is None else tuple(arrays["features"].shape)  # type: ignore[return-value]


def probe_shape(store: RunStore) -> tuple[int, int] | None:
    """(probe images, width of h) of the latest saved probe embedding; None before the first."""
    steps = store.embedding_steps()
    return _features_shape(str(store.path), steps[-1]) if steps else None


def explained(summary: str, help_text: str) -> None:
    """One line under a chart saying what a good value looks like; the help icon says more."""
    st.caption(summary, help=help_text)


def render_collapse(frame: pd.DataFrame, store: RunStore) -> None:
    """collapse_std and feature_std with their healthy levels 1/√d as dashed lines."""
    present = [c for c in ("collapse_std", "feature_std") if c in frame.columns]
    levels = {}
    width = _width(store.config() or {}) if "collapse_std" in present else None
    if width:
        levels[f"healthy z: 1/√{width} = {api.healthy_std(width):.3f}"] = api.healthy_std(width)
    shape = probe_shape(store) if "feature_std" in present else None
    h_width = shape[1] if shape else None
    if h_width and h_width != width:
        levels[f"healthy h: 1/√{h_width} = {api.healthy_std(h_width):.3f}"] = api.healthy_std(
            h_width
        )
    charts.show(
        charts.series_figure(
            frame,
            present,
            "Collapse check (≈0 means collapsed)",
            "std of normalised outputs",
            levels=levels,
        ),
        key=f"collapse-{store.run_id}",
    )
    healthy = "; ".join(f"{name.split(':')[0].removeprefix('healthy ')}: {value:.3f}"
                        for name, value in levels.items())  # fmt: skip
    explained(
        f"Healthy: steady near its dashed line 1/√d ({healthy or '0.06–0.09 for d = 256–128'})"
        "; falling towards 0 is collapse. Step 0 is a random network and reads low.",
        COLLAPSE_HELP,
    )


def render_rankme(frame: pd.DataFrame, store: RunStore) -> None:
    if "rankme" not in frame.columns:
        explained("RankMe appears at the first monitor step.", RANKME_HELP)
        return
    shape = probe_shape(store)
    levels = {f"most possible: {min(shape)}": float(min(shape))} if shape else {}
    charts.show(
        charts.series_figure(
            frame,
            ["rankme"],
            "RankMe (effective rank)",
            "dimensions",
            colours={"rankme": charts.run_colour(store.run_id)},
            levels=levels,
        ),
        key=f"rankme-{store.run_id}",
    )
    explained("Dimensions the features use: higher is better; 1 is collapsed.", RANKME_HELP)


def render_alignment_uniformity(frame: pd.DataFrame, store: RunStore) -> None:
    """Alignment (logged by the monitor) and uniformity (from the saved probe embeddings)."""
    spread = uniformity_frame(store)
    columns = ["alignment"] if "alignment" in frame.columns else []
    if not spread.empty:
        columns.append("uniformity")
        frame = frame.merge(spread, on="step", how="outer").sort_values("step")
    if not columns:
        explained("Alignment and uniformity appear at the first monitor step.", UNIFORMITY_HELP)
        return
    charts.show(
        charts.series_figure(
            frame, columns, "Alignment and uniformity (lower is better)", "distance / log"
        ),
        key=f"uniformity-{store.run_id}",
    )
    explained(
        "Alignment: how far two views of an image land (0: the augmentations change nothing). "
        "Uniformity: how spread the images are (0: all on one point; lower is more spread).",
        UNIFORMITY_HELP,
    )


def live_knn_note(config: dict[str, Any], probe_images: int | None) -> tuple[str, str]:
    """How the live kNN is measured and why the Evaluate page's reads differently: a short
    line for under the chart and the longer reason for its help."""
    monitor = config.get("monitor", {})
    probe = probe_images or int(monitor.get("probe_size", 1000))
    k, temperature = monitor.get("knn_k", 20), monitor.get("knn_temperature", 0.1)
    short = (
        f"Live kNN: {probe:,} held-out test images vote among up to {api.knn_bank_size():,} "
        f"labelled training images (k = {k}, τ = {temperature:g}). The Evaluate page's kNN uses "
        "all of both, so it reads higher (7 points higher on the default lesson)."
    )
    reason = (
        f"{KNN_HELP} Live, a sample keeps it cheap enough to measure while training. The "
        "Evaluate page's kNN scores the whole test split against the whole training set with "
        "the same k and τ: with more labelled neighbours to find, each image's nearest ones "
        "are closer and more often of its class. On the default lesson (shapes, SimCLR, 300 "
        "steps) the same weights read 78.3% live and 85.1% there; the bank's size (2,000 "
        "against 10,000) makes 6 to 7 points of that, the probe sample and bf16 features less "
        "than one (benchmarks/knn_live_vs_eval.py). It also reads the last checkpoint, which "
        "may be a few steps behind this chart."
    )
    return short, reason
