"""Train: start, pause, resume and stop a run, and watch it learn, live."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import setup_url, state
from dashboard.components import charts, class_queue, downloads, live_run, page, runs
from sslcore.config import ConfigError
from sslcore.store import ACTIVE_STATES, RunStore

POLL_SECONDS = 2.0


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
    status: dict[str, Any] = (store.status() or {}) if store else {}
    live = store is not None and runs.manager().is_live(store.run_id)
    mine = store is not None and runs.is_controllable(store)
    run_id = store.run_id if store else ""
    start, pause, resume, stop = st.columns(4)
    start.button(
        "Start a new run",
        type="primary",
        icon=":material/play_arrow:",
        on_click=start_new,
        width="stretch",
        key="train-start",
        help="Train the setup from the Setup page.",
    )
    pause.button(
        "Pause",
        icon=":material/pause:",
        on_click=runs.control,
        args=("pause", run_id),
        disabled=not (mine and status.get("state") == "running"),
        width="stretch",
        key="train-pause",
    )
    resume.button(
        "Resume",
        icon=":material/resume:",
        on_click=runs.control,
        args=("resume", run_id),
        disabled=not (mine and status.get("state") == "paused"),
        width="stretch",
        key="train-resume",
    )
    stop.button(
        "Stop",
        icon=":material/stop:",
        on_click=runs.control,
        args=("stop", run_id),
        disabled=not (mine and live),
        width="stretch",
        key="train-stop",
    )
    if st.session_state.get(state.START_ERROR):
        st.error(st.session_state.pop(state.START_ERROR), icon=":material/error:")
    if store is not None and live and not mine:  # outside classroom mode: all runs are shown
        st.caption("This run was started from another tab or browser: you can watch it here.")
    elif store is not None and not live and status.get("state") in ACTIVE_STATES:
        st.caption(
            "This run is written by another process (the command line or a cluster "
            "job): it updates live, read-only."
        )


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
    render_controls(store)
    if store is None:
        st.info(
            "No run yet. Choose a setup on the **Setup** page (the default is a good first "
            "lesson), then press **Start a new run**.",
            icon=":material/info:",
        )
        page.end()
        return
    st.markdown(
        f"<span style='color:{charts.run_colour(store.run_id)};font-size:1.3em'>●</span>"
        f" **{store.run_id}**",
        unsafe_allow_html=True,
    )
    active = (store.status() or {}).get("state") in ACTIVE_STATES
    panel = st.fragment(live_run.render_live, run_every=POLL_SECONDS if active else None)
    panel(store.path, active)
    with st.expander("Downloads", icon=":material/download:"):
        downloads.render(store)
    page.end()
