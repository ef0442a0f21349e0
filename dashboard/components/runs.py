"""Reading runs for the pages: the list, a picker, labels and the job manager of this server.

Every page reads runs through their directories (:class:`sslcore.store.RunStore`), so a run
trained in this process, one finished last week and one written by the CLI on a cluster look
the same; only Start, Pause, Resume and Stop go through the job manager.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import state
from sslcore.jobs import JobManager, get_manager
from sslcore.store import RunStore, list_runs, safe_run_dir


def manager() -> JobManager:
    """The job manager of this server's runs directory (process-wide, not per session)."""
    return get_manager(state.runs_dir())


def store_of(run_id: str) -> RunStore | None:
    """The run's store, or None when the id is unknown or not allowed."""
    if not run_id:
        return None
    try:
        store = RunStore(safe_run_dir(state.runs_dir(), run_id))
    except ValueError:
        return None
    return store if store.exists() else None


def all_runs() -> list[RunStore]:
    return list_runs(state.runs_dir())


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
    """True when this tab may pause and stop the run (it runs here and this tab owns it)."""
    owner = (store.status() or {}).get("owner", "")
    return manager().is_live(store.run_id) and owner in ("", state.owner())
