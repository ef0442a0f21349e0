"""Classroom mode on the Train page: the limits for a student, the whole queue for the teacher."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.components import runs


def limits_line() -> str:
    """The policy in one line, as a student needs it before pressing Start."""
    policy = state.classroom()
    if policy is None:
        return ""
    backbones = ", ".join(policy.allowed_backbones) or "any"
    return (
        f"up to {policy.per_user_runs} run(s) at once, {policy.max_steps} steps, batch "
        f"{policy.max_batch_size}, images of {policy.max_image_size} px; backbones: {backbones}"
    )


def render() -> None:
    """A caption for a student; for the teacher, every queued and training run with its owner."""
    mgr = runs.manager()
    training, waiting = mgr.running(), mgr.queued()
    busy = f"{len(training)} of {mgr.max_concurrent} training, {len(waiting)} waiting"
    if not state.is_teacher():
        st.caption(
            f":material/groups: Classroom mode ({busy}). You see your own runs only; "
            f"this class allows {limits_line()}."
        )
        return
    st.caption(
        f":material/school: Teacher view ({busy}): you see every run and may stop any of them."
    )
    rows = []
    for run_id in training + waiting:
        store = runs.store_of(run_id)
        status = (store.status() or {}) if store else {}
        rows.append(
            {
                "run": run_id,
                "owner": status.get("owner", ""),
                "state": status.get("state", "?"),
                "step": status.get("step", 0),
                "queue position": mgr.queue_position(run_id),
            }
        )
    if rows:
        with st.expander(f"The class queue ({len(rows)})", icon=":material/queue:"):
            st.dataframe(rows, hide_index=True, width="stretch")
