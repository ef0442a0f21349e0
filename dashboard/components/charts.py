"""Plotly curves sized for a projector, with one colour per run on every page.

A run's colour comes from its id (a stable hash into a ten-colour palette), so the same run has
the same colour on Train, Compare and Evaluate, in every session.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
)  # fmt: skip
FONT_SIZE = 16
COMPONENT_PREFIX = "comp_"
LEVEL_COLOUR = "#555555"


def run_colour(run_id: str) -> str:
    """The colour of a run, the same everywhere."""
    return PALETTE[zlib.crc32(run_id.encode()) % len(PALETTE)]


def metrics_frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """metrics.jsonl rows as one row per step, sorted by step.

    Rows of one step are merged, the later value winning per column: at a monitor step the
    trainer writes its logged row (loss, lr...) and then the monitor's (kNN, RankMe), and both
    belong on the charts.
    """
    if not rows:
        return pd.DataFrame({"step": []})
    frame = pd.DataFrame(list(rows))
    return frame.groupby("step", as_index=False, sort=True).last()


def component_columns(frame: pd.DataFrame) -> list[str]:
    """The loss-component columns (``comp_<name>``) present in ``frame``."""
    return [c for c in frame.columns if str(c).startswith(COMPONENT_PREFIX)]


def layout(title: str, y_title: str, height: int = 340) -> dict[str, Any]:
    """The lab's chart layout: large type for a projector, legend below, step on x."""
    return {
        "title": {"text": title, "font": {"size": FONT_SIZE + 4}},
        "font": {"size": FONT_SIZE},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        "legend": {"orientation": "h", "y": -0.25},
        "xaxis": {"title": {"text": "step"}},
        "yaxis": {"title": {"text": y_title}},
        "hovermode": "x unified",
    }


def line_chart_layout(title: str, y_title: str) -> dict[str, Any]:
    """:func:`layout` with fixed margins, for the curves over steps that redraw at every poll.

    Plotly's automatic margins measure every tick label and redraw until the margins settle;
    in a live chart that happens at every poll, on the viewer's CPU. Fixed margins (room for
    the y ticks and title on the left, the legend below) cut the browser's CPU time on the Train
    page by a quarter (Chromium 0.40 -> 0.30 cores, benchmarks/dashboard_polling.py).
    """
    figure_layout = layout(title, y_title)
    figure_layout["margin"] = {"l": 85, "r": 20, "t": 60, "b": 105}
    figure_layout["legend"] = {"orientation": "h", "y": -0.32, "yanchor": "top"}
    figure_layout["xaxis"]["automargin"] = False
    figure_layout["yaxis"]["automargin"] = False
    return figure_layout


def styled(fig: go.Figure, title: str, y_title: str, height: int = 340) -> go.Figure:
    """``fig`` with the lab's layout (for one-off figures built with plotly's checked API)."""
    return fig.update_layout(layout(title, y_title, height))


def line(x: pd.Series, y: pd.Series, name: str, colour: str, markers: bool) -> dict[str, Any]:
    """One plotly line trace as a plain dict."""
    return {
        "type": "scatter",
        "x": x.tolist(),
        "y": y.tolist(),
        "name": name,
        "mode": "lines+markers" if markers else "lines",
        "line": {"color": colour, "width": 3},
    }


def unchecked_figure(traces: list[dict[str, Any]], figure_layout: dict[str, Any]) -> go.Figure:
    """A figure from plain dicts, skipping plotly's property validation.

    The live charts are rebuilt every poll, in the server process that also runs the training
    thread: a validated ``go.Figure`` took ~47 ms to build here, this one ~5 ms, and every
    millisecond holding the GIL is taken from the training step.
    """
    return go.Figure({"data": traces, "layout": figure_layout}, _validate=False)


def series_figure(
    frame: pd.DataFrame,
    columns: Sequence[str],
    title: str,
    y_title: str,
    colours: Mapping[str, str] | None = None,
    log_y: bool = False,
    levels: Mapping[str, float] | None = None,
) -> go.Figure:
    """One line per column of one run's metrics (loss and its components, say).

    ``levels`` adds a grey dashed horizontal line per entry (name -> y) across the steps drawn:
    the value a healthy run reaches, so the curve explains itself.
    """
    traces = []
    for i, column in enumerate(columns):
        if column not in frame.columns:
            continue
        data = frame[["step", column]].dropna()
        colour = (colours or {}).get(column, PALETTE[i % len(PALETTE)])
        name = column.removeprefix(COMPONENT_PREFIX)
        traces.append(line(data["step"], data[column], name, colour, len(data) < 30))
    steps = frame["step"].dropna()
    for i, (name, value) in enumerate((levels or {}).items()):
        x = [float(steps.min()), float(steps.max())] if len(steps) else [0.0, 1.0]
        dash = ("dash", "dot")[i % 2]
        traces.append({
            "type": "scatter", "x": x, "y": [value, value], "name": name, "mode": "lines",
            "line": {"color": LEVEL_COLOUR, "width": 2, "dash": dash}, "hoverinfo": "name+y",
        })  # fmt: skip
    figure_layout = line_chart_layout(title, y_title)
    if log_y:
        figure_layout["yaxis"]["type"] = "log"
    return unchecked_figure(traces, figure_layout)


def runs_figure(
    frames: Mapping[str, pd.DataFrame],
    column: str,
    title: str,
    y_title: str,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """One line per run for one metric, each in its run's colour."""
    traces = []
    for run_id, frame in frames.items():
        if column not in frame.columns:
            continue
        data = frame[["step", column]].dropna()
        name = (labels or {}).get(run_id, run_id)
        traces.append(line(data["step"], data[column], name, run_colour(run_id), False))
    return unchecked_figure(traces, line_chart_layout(title, y_title))


def show(fig: go.Figure, key: str) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False})
