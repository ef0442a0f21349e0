"""Train: start, pause, resume and stop a run, and watch it learn, live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from dashboard import setup_url, state
from dashboard.components import charts, class_queue, downloads, live_run, page, runs
from sslcore import api
from sslcore.config import ConfigError
from sslcore.store import ACTIVE_STATES, RunStore

POLL_SECONDS = 2.0
FIRST_POINT_POLL_SECONDS = 0.5  # only until the first loss point: a few seconds of polls


def start_new() -> None:
    try:
        config = setup_url.build_config(state.setup())
    except ConfigError as err:
        st.session_state[state.START_ERROR] = f"The setup is not valid: {err}"
        return
    run_id = runs.start(config)
    if run_id is not None:
        state.follow_run(run_id)
        st.session_state[state.TRAIN_RUN] = run_id


def render_controls(store: RunStore | None) -> None:
    """Start, and Pause / Resume / Stop as the run's state allows, read from its directory now.

    Drawn inside the run's polling fragment, so the buttons follow the run whoever moved it:
    this tab, another tab, or the teacher's laptop driving the projector's window.
    """
    status: dict[str, Any] = (store.status() or {}) if store else {}
    run_state = status.get("state")
    may_control = store is not None and runs.is_controllable(store)
    run_id = store.run_id if store else ""
    start, pause, resume, step, stop = st.columns(5)
    if start.button(
        "Start a new run",
        type="primary",
        icon=":material/play_arrow:",
        width="stretch",
        key="train-start",
        help="Train the setup from the Setup page.",
    ):
        start_new()
        st.rerun(scope="app")  # the page follows the new run (not only this fragment)
    for column, (label, icon, action, allowed, tip) in zip(
        (pause, resume, step, stop),
        (
            ("Pause", ":material/pause:", "pause", run_state == "running", None),
            ("Resume", ":material/resume:", "resume", run_state == "paused", None),
            ("Step", ":material/skip_next:", "step_once", run_state == "paused",
             "While paused: one training step, then paused again (watch a single update)."),
            ("Stop", ":material/stop:", "stop", run_state in ACTIVE_STATES, None),
        ),
        strict=True,
    ):  # fmt: skip
        column.button(
            label,
            icon=icon,
            on_click=runs.control,
            args=(action, run_id),
            disabled=not (may_control and allowed),
            width="stretch",
            key=f"train-{action}",
            help=tip,
        )
    training = run_state in ("running", "paused") and runs.manager().is_live(run_id)
    if store is not None and may_control and training:
        render_live_lr(run_id, status.get("lr_peak") or (store.config() or {})["optim"]["lr"])
    if st.session_state.get(state.START_ERROR):
        st.error(st.session_state.pop(state.START_ERROR), icon=":material/error:")
    if store is not None and run_state in ACTIVE_STATES and not runs.manager().is_live(run_id):
        st.caption(
            "This run is written by another process (the command line or a cluster "
            "job): it updates live, read-only."
        )


def render_live_lr(run_id: str, current: float) -> None:
    """The peak learning rate of a training run (``current``), changeable while it trains."""
    key = f"train-lr-{run_id}"
    st.session_state.setdefault(key, current)
    value, apply = st.columns([3, 1], vertical_alignment="bottom")
    value.number_input(
        "Learning rate, live",
        key=key,
        format="%.2e",
        step=current / 2,
        help="The peak learning rate from the next step on: warm-up and decay keep their "
        "shape. Try ten times more and watch the loss, then back.",
    )
    value.caption(f"now {current:.2e}")
    apply.button(
        "Apply",
        key=f"train-lr-apply-{run_id}",
        on_click=runs.change_lr,
        args=(run_id, key),
        width="stretch",
    )


def poll_seconds(store: RunStore) -> float | None:
    """How often the live view redraws: never once the run has ended, every
    :data:`FIRST_POINT_POLL_SECONDS` while it trains towards its first loss point (so the point
    shows as soon as it is written, not up to 2 s later), else every :data:`POLL_SECONDS`."""
    run_state = (store.status() or {}).get("state")
    if run_state not in ACTIVE_STATES:
        return None
    # A run just started still reads "queued" until its thread writes "running"; one waiting
    # its turn in the job manager's queue is not about to log anything.
    starting = run_state == "queued" and runs.manager().queue_position(store.run_id) is None
    if (run_state == "running" or starting) and not any("loss" in r for r in store.metrics()):
        return FIRST_POINT_POLL_SECONDS
    return POLL_SECONDS


def render_run(run_path: Path, was_active: bool, until_first_point: bool) -> None:
    """The controls and the live view of the run at ``run_path`` (one polling fragment)."""
    render_controls(RunStore(run_path))
    live_run.render_live(run_path, was_active, until_first_point)


def prefetch_setup_data() -> None:
    """While no run trains in this server, load the setup's dataset in the background, so
    *Start a new run* finds it loaded as Setup's Start does (see :mod:`sslcore.data.prefetch`)."""
    if runs.manager().running():
        return  # never take the CPU from a run that is training
    data = setup_url.section_config(state.setup(), "data")
    if data is not None:
        api.prefetch_dataset(data)


def render() -> None:
    page.begin(
        ":material/model_training: Train and watch it learn",
        "Press Start, then watch the loss fall and the kNN accuracy climb.",
    )
    if state.classroom() is not None:
        class_queue.render()
    store = runs.pick_run("Run", state.TRAIN_RUN, preferred=state.run_id())
    if store is not None and store.run_id != state.run_id():
        state.follow_run(store.run_id)
    if store is None:
        render_controls(None)
        st.info(
            "No run yet. Choose a setup on the **Setup** page (the default is a good first "
            "lesson), then press **Start a new run**.",
            icon=":material/info:",
        )
        prefetch_setup_data()
        page.end()
        return
    st.markdown(
        f"<span style='color:{charts.run_colour(store.run_id)};font-size:1.3em'>●</span>"
        f" **{store.run_id}**",
        unsafe_allow_html=True,
    )
    every = poll_seconds(store)
    panel = st.fragment(render_run, run_every=every)
    panel(store.path, every is not None, every == FIRST_POINT_POLL_SECONDS)
    with st.expander("Downloads", icon=":material/download:"):
        downloads.render(store)
    prefetch_setup_data()
    page.end()
