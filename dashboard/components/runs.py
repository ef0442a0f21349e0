"""Reading runs for the pages: the list, a picker, labels and the job manager of this server.

Every page reads runs through their directories (:class:`sslcore.store.RunStore`), so a run
trained in this process, one finished last week and one written by the CLI on a cluster look
the same; only Start, Pause, Resume and Stop go through the job manager.

Who may pause, resume and stop a run live in this server: outside classroom mode, any tab (a
projector's window and the teacher's laptop drive the same run); in classroom mode, any tab of
the run's owner (the same login, or the same owner token in the URL) and the teacher. A student
sees only their own runs there (every page lists runs through here) and the teacher sees them
all; the job manager checks the same owner again on every control.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import state
from sslcore import api
from sslcore.config import RunConfig
from sslcore.jobs import JobManager, get_manager
from sslcore.store import RunStore, list_runs, safe_run_dir


def manager() -> JobManager:
    """The job manager of this server's runs directory (process-wide, not per session)."""
    return get_manager(state.runs_dir(), policy=state.classroom())


def visible(store: RunStore) -> bool:
    """Outside classroom mode every run; in it, the teacher's view or the student's own."""
    if state.classroom() is None or state.is_teacher():
        return True
    return (store.status() or {}).get("owner", "") == state.owner()


def control_owner() -> str | None:
    """The owner the job manager checks controls against; None (anyone's run) outside
    classroom mode and for the teacher."""
    return None if state.classroom() is None or state.is_teacher() else state.owner()


def start(config: RunConfig) -> str | None:
    """Queue ``config`` as this session's run; a refusal goes to the page, never raised."""
    try:
        return manager().start(config, owner=state.owner(), as_teacher=state.is_teacher())
    except api.LimitError as err:
        st.session_state[state.START_ERROR] = f"Not started: {err}"
        return None


def control(action: str, run_id: str) -> None:
    """Pause, resume or stop a run this session may control; a refusal is shown, never raised."""
    try:
        getattr(manager(), action)(run_id, owner=control_owner())
    except (PermissionError, ValueError, KeyError) as err:
        st.session_state[state.START_ERROR] = str(err)


def change_lr(run_id: str, key: str) -> None:
    """Apply the learning rate typed under ``key`` to a run this session may control."""
    try:
        manager().set_lr(run_id, float(st.session_state[key]), owner=control_owner())
    except (PermissionError, ValueError, KeyError) as err:  # ConfigError is a ValueError
        st.session_state[state.START_ERROR] = str(err)


def store_of(run_id: str) -> RunStore | None:
    """The run's store, or None when the id is unknown or not allowed."""
    if not run_id:
        return None
    try:
        store = RunStore(safe_run_dir(state.runs_dir(), run_id))
    except ValueError:
        return None
    return store if store.exists() and visible(store) else None


@st.cache_data(show_spinner=False, max_entries=256)
def _card(run_path: str) -> api.RunCard | None:
    try:
        return api.run_card(run_path)
    except (OSError, ValueError):  # a card or config torn beyond reading: the page says less
        return None


def card_of(store: RunStore) -> api.RunCard | None:
    """What the run is (its run card: modality, views, classes, method...), or None when
    neither its card nor its config can be read. Written once at the run's start, so cached."""
    return _card(str(store.path))


def all_runs() -> list[RunStore]:
    """Every run this session may see, newest first."""
    return [store for store in list_runs(state.runs_dir()) if visible(store)]


def describe(store: RunStore) -> str:
    """A stable one-line label: objective / backbone / dataset and the run id.

    It leaves out the state and step on purpose: a select box whose option labels change
    between reruns becomes a new widget and loses the user's choice.
    """
    config: dict[str, Any] = store.config() or {}
    what = "/".join(
        str(config.get(section, {}).get(key, "?"))
        for section, key in (("objective", "name"), ("backbone", "name"), ("data", "dataset"))
    )
    return f"{what} · {store.run_id}"


def pick_run(label: str, key: str, preferred: str = "") -> RunStore | None:
    """A select box over every run (newest first), starting on ``preferred`` when it exists."""
    stores = all_runs()
    if not stores:
        return None
    ids = [s.run_id for s in stores]
    if key in st.session_state and st.session_state[key] not in ids:
        del st.session_state[key]
    if key not in st.session_state:
        st.session_state[key] = preferred if preferred in ids else ids[0]
    by_id = {s.run_id: s for s in stores}
    chosen = st.selectbox(label, ids, key=key, format_func=lambda r: describe(by_id[r]))
    return by_id[chosen]


def is_controllable(store: RunStore) -> bool:
    """True when this tab may pause, resume and stop the run: it is live in this server, and
    :func:`control_owner` lets this tab control it."""
    owner = control_owner()
    allowed = owner is None or (store.status() or {}).get("owner", "") in ("", owner)
    return allowed and manager().is_live(store.run_id)
