"""The live view of one run: progress, curves, the pictures it records and its events.

Drawn inside a fragment that reruns every second or two while the run is active; everything is
read from the run directory, so it costs the training thread nothing but a few small file reads.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from dashboard.components import (
    attention_view,
    charts,
    health_charts,
    image_grid,
    runs,
    text_view,
    view_similarity,
)
from sslcore import api
from sslcore.store import ACTIVE_STATES, RunStore

EVENT_ICONS = {
    "error": ":material/error:",
    "warning": ":material/warning:",
    "info": ":material/info:",
}
MAX_EVENTS = 12


def duration(seconds: float | None) -> str:
    """``95`` -> ``1 min 35 s``."""
    if seconds is None or not np.isfinite(seconds):
        return "–"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def render_queue_position(run_id: str) -> None:
    """Where a waiting run stands: "2 runs before yours" (the job manager's own queue)."""
    mgr = runs.manager()
    position = mgr.queue_position(run_id)
    if position is None:
        return
    ahead = position - 1
    st.info(
        f"Waiting in the queue: position {position} of {len(mgr.queued())} "
        f"({ahead} run{'s' if ahead != 1 else ''} before yours; {mgr.max_concurrent} train at "
        "once). It starts by itself; you can leave this page open or come back later.",
        icon=":material/hourglass_top:",
    )


def speed_text(status: dict[str, Any]) -> str:
    """Images (or documents) per second; "measuring…" while a run has not logged a step yet."""
    speed = status.get("images_per_s")
    if isinstance(speed, int | float) and speed > 0:
        return f"{speed:,.0f}"
    return "measuring…" if status.get("state") in ACTIVE_STATES else "–"


def render_progress(
    status: dict[str, Any], rows: list[dict[str, Any]], unit: str = "Images"
) -> None:
    """The progress bar, speed (``unit`` per second), time left and state.

    Time left is steps left × the pace over the last couple of hundred steps
    (:func:`sslcore.api.seconds_left`), not the last logging window's, which swings
    with every monitor step.
    """
    step, total = int(status.get("step", 0)), int(status.get("total_steps", 0) or 1)
    state_name = status.get("state", "?")
    st.progress(
        min(step / total, 1.0),
        text=f"**{state_name}** · step {step} of {total} · {status.get('message', '')}",
    )
    speed, eta, now = st.columns(3)
    speed.metric(f"{unit} per second", speed_text(status))
    left = api.seconds_left(rows, total) if state_name == "running" else None
    eta.metric(
        "Time left",
        duration(left) if left is not None else "measuring…" if state_name == "running" else "–",
        help="Steps left × the time per step over the last 200 steps (monitor steps included).",
    )
    now.metric("State", state_name)


def render_loss(frame, run_id: str) -> None:
    colours = {"loss": charts.run_colour(run_id)}
    charts.show(charts.series_figure(frame, ["loss"], "Loss", "loss", colours), f"loss-{run_id}")


def render_curves(frame, store: RunStore) -> None:
    run_id = store.run_id
    colour = charts.run_colour(run_id)
    loss, parts = st.columns(2)
    with loss:
        render_loss(frame, run_id)
    with parts:
        components = charts.component_columns(frame)
        if components:
            charts.show(
                charts.series_figure(frame, components, "Loss components", "value"),
                key=f"components-{run_id}",
            )
        else:
            st.caption("This objective reports no separate loss components.")
    knn, collapse, rankme = st.columns(3)
    with knn:
        if "knn_accuracy" in frame.columns:
            charts.show(
                charts.series_figure(
                    frame,
                    ["knn_accuracy"],
                    "kNN accuracy (probe set)",
                    "accuracy",
                    colours={"knn_accuracy": colour},
                ),
                key=f"knn-{run_id}",
            )
            shape = health_charts.probe_shape(store)
            probe = shape[0] if shape else None
            short, reason = health_charts.live_knn_note(store.config() or {}, probe)
            health_charts.explained(short, reason)
        else:
            st.caption("kNN accuracy appears at the first monitor step.")
    with collapse:
        health_charts.render_collapse(frame, store)
    with rankme:
        health_charts.render_rankme(frame, store)
    uniformity, lr = st.columns(2)
    with uniformity:
        health_charts.render_alignment_uniformity(frame, store)
    with lr:
        charts.show(
            charts.series_figure(frame, ["lr"], "Learning rate", "lr", colours={"lr": colour}),
            key=f"lr-{run_id}",
        )
    if "perplexity" in frame.columns:
        render_perplexity(frame, run_id)


def render_perplexity(frame, run_id: str) -> None:
    """A language model's held-out perplexity: the vocabulary size at first, 1 if perfect."""
    curve, note = st.columns([2, 1])
    with curve:
        charts.show(
            charts.series_figure(
                frame,
                ["perplexity"],
                "Perplexity on held-out text",
                "exp(cross-entropy)",
                colours={"perplexity": charts.run_colour(run_id)},
            ),
            key=f"perplexity-{run_id}",
        )
    note.caption(
        "How many tokens the model is still choosing between, on average, for each token of "
        "documents it never trained on. It starts near the vocabulary size and falls as the "
        "model learns the language."
    )


def render_snapshots(store: RunStore, n_views: int) -> None:
    """The latest picture of each snapshot; text runs' snapshots are sentences."""
    names = store.snapshot_names()
    if not names:
        st.caption("Pictures (or, for text, sentences) appear after the first step.")
        return
    # originals go with views; attention has its own heading below (attention_view)
    others = [n for n in names if n not in ("views", "originals", "attention")]
    ordered = (["views"] if "views" in names else []) + others
    if not ordered:
        return
    columns = st.columns(min(len(ordered), 3))
    for i, name in enumerate(ordered):
        snapshot = store.load_snapshot(name)
        if snapshot is None:
            continue
        with columns[i % len(columns)]:
            if name == "similarity" and view_similarity.render(store, n_views):
                continue  # the batch's view 1 x view 2 matrix replaces the probe images' own
            title = "The views the model sees" if name == "views" else name.replace("_", " ")
            st.markdown(f"**{title.capitalize()}** (step {snapshot['step']})")
            if "texts" in snapshot:
                text_view.show_text_snapshot(snapshot)
                continue
            if name == "views":
                images, wide = beside_originals(store, snapshot, n_views)
            else:
                images, wide = snapshot["images"], 4
            caption = shared_caption(snapshot)
            image_grid.show_grid(images, columns=wide, target=72, caption=caption)


def shared_caption(snapshot: dict[str, Any]) -> str | None:
    """The caption every picture of a snapshot shares (an objective's one line under its
    grid, e.g. how samples were drawn), or None when there is none or they differ."""
    captions = set(snapshot.get("captions", []))
    return captions.pop() if len(captions) == 1 else None


def beside_originals(
    store: RunStore, views: dict[str, Any], n_views: int
) -> tuple[np.ndarray, int]:
    """The views snapshot with each image's original in front of its views, row by row (as
    Setup's preview shows them), and the number of columns; the views alone for a run
    recorded before originals were saved."""
    originals = store.load_snapshot("originals", views["step"])
    if originals is None:
        return views["images"], n_views
    rows = views["images"].reshape(-1, n_views, *views["images"].shape[1:])  # (S, V, H, W, C)
    first = originals["images"][: len(rows), None]  # (S, 1, H, W, C)
    grid = np.concatenate([first, rows[: len(first)]], axis=1)  # (S, 1 + V, H, W, C)
    return grid.reshape(-1, *rows.shape[2:]), n_views + 1


def render_events(store: RunStore) -> None:
    events = store.events()[-MAX_EVENTS:]
    if not events:
        return
    lines = ["**Events**"]
    for event in reversed(events):
        stamp = time.strftime("%H:%M:%S", time.localtime(event.get("time", 0)))
        icon = EVENT_ICONS.get(event.get("level", "info"), ":material/info:")
        lines.append(f"{icon} `{stamp}` step {event.get('step', 0)}: {event.get('message', '')}")
    st.markdown("  \n".join(lines))  # one element, not one per event: less for the browser


def render_live(run_path: Path, was_active: bool, until_first_point: bool = False) -> None:
    """Everything about the run at ``run_path``; reruns the page when the run ends, and when
    the first loss point arrives while ``until_first_point`` (the page then polls slower): after
    drawing it, so the point is on screen a whole page's rerun sooner (about 2 s under load)."""
    store = RunStore(run_path)
    status = store.status() or {}
    if was_active and status.get("state") not in ACTIVE_STATES:
        st.rerun(scope="app")
    if status.get("state") == "queued":
        render_queue_position(store.run_id)
    card = runs.card_of(store)  # what the run is: text or images, views per image
    rows = store.metrics()
    render_progress(status, rows, (card.examples if card is not None else "images").capitalize())
    frame = charts.metrics_frame(rows)
    if len(frame) == 0:
        st.info("Waiting for the first logged step…", icon=":material/hourglass_top:")
        # The empty chart has the browser load its plotting code now, not when the first point
        # arrives (it was a second of the wait on a busy 2-core machine).
        with st.columns(2)[0]:  # where the loss chart will be
            render_loss(frame, store.run_id)
    else:
        render_curves(frame, store)
    render_snapshots(store, card.n_views if card is not None else 2)
    attention_view.render(store, rows)
    render_events(store)
    if until_first_point and any("loss" in row for row in rows):
        st.rerun(scope="app")
