"""Plotly curves sized for a projector, with one colour per run on every page.

A run's colour comes from its id (a stable hash into a ten-colour palette), so the same run has
the same colour on Train, Compare and Evaluate, in every session.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
)  # fmt: skip
FONT_SIZE = 16
COMPONENT_PREFIX = "comp_"


def run_colour(run_id: str) -> str:
    """The colour of a run, the same everywhere."""
    return PALETTE[zlib.crc32(run_id.encode()) % len(PALETTE)]


def metrics_frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """metrics.jsonl rows as a frame sorted by step (later rows win on a repeated step)."""
    if not rows:
        return pd.DataFrame({"step": []})
    frame = pd.DataFrame(list(rows))
    return frame.drop_duplicates("step", keep="last").sort_values("step").reset_index(drop=True)


def component_columns(frame: pd.DataFrame) -> list[str]:
    """The loss-component columns (``comp_<name>``) present in ``frame``."""
    return [c for c in frame.columns if str(c).startswith(COMPONENT_PREFIX)]


def styled(fig: go.Figure, title: str, y_title: str, height: int = 340) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": FONT_SIZE + 4}},
        font={"size": FONT_SIZE},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        xaxis_title="step",
        yaxis_title=y_title,
        hovermode="x unified",
    )
    return fig


def series_figure(
    frame: pd.DataFrame,
    columns: Sequence[str],
    title: str,
    y_title: str,
    colours: Mapping[str, str] | None = None,
    log_y: bool = False,
) -> go.Figure:
    """One line per column of one run's metrics (loss and its components, say)."""
    fig = go.Figure()
    for i, column in enumerate(columns):
        if column not in frame.columns:
            continue
        data = frame[["step", column]].dropna()
        colour = (colours or {}).get(column, PALETTE[i % len(PALETTE)])
        name = column.removeprefix(COMPONENT_PREFIX)
        fig.add_trace(
            go.Scatter(
                x=data["step"],
                y=data[column],
                name=name,
                mode="lines+markers" if len(data) < 30 else "lines",
                line={"color": colour, "width": 3},
            )
        )
    if log_y:
        fig.update_yaxes(type="log")
    return styled(fig, title, y_title)


def runs_figure(
    frames: Mapping[str, pd.DataFrame],
    column: str,
    title: str,
    y_title: str,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """One line per run for one metric, each in its run's colour."""
    fig = go.Figure()
    for run_id, frame in frames.items():
        if column not in frame.columns:
            continue
        data = frame[["step", column]].dropna()
        fig.add_trace(
            go.Scatter(
                x=data["step"],
                y=data[column],
                name=(labels or {}).get(run_id, run_id),
                mode="lines",
                line={"color": run_colour(run_id), "width": 3},
            )
        )
    return styled(fig, title, y_title)


def show(fig: go.Figure, key: str) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False})
