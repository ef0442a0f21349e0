"""What every page does first and last: attach to the URL, title, intro; publish the URL.

Every page also gets the projector-mode toggle in the sidebar. Projector mode is for a room: the
base font grows (Streamlit sizes text in rem, so one rule on the root element scales it all) and
image tiles are drawn at least :data:`~dashboard.components.image_grid.PROJECTOR_TILE` pixels
wide. It is remembered in the URL (``?projector=1``), so a reload or a shared link keeps it.
"""

from __future__ import annotations

import streamlit as st

from dashboard import state

PROJECTOR_FONT = "125%"  # of the browser's 16 px: 20 px, read from the back of a classroom


def begin(title: str, intro: str) -> None:
    """Attach the session to the URL, draw the title and intro."""
    state.attach()
    st.sidebar.toggle(
        "Projector mode",
        key=state.PROJECTOR,
        help="Large tiles and type for a room; the link keeps it (?projector=1).",
    )
    if state.projector():
        st.html(f"<style>html {{ font-size: {PROJECTOR_FONT} }}</style>")
    st.title(title)
    st.markdown(f"#### {intro}")


def end() -> None:
    """Write the session's setup and run into the URL (links reproduce what is on screen)."""
    state.publish()
