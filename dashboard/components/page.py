"""What every page does first and last: attach to the URL, title, intro; publish the URL."""

from __future__ import annotations

import streamlit as st

from dashboard import state


@st.cache_resource(show_spinner=False)
def _warm_up_projection() -> bool:
    """Compile UMAP's kernels once per server process, in the background (about 11 s)."""
    from sslcore.eval.projection import warm_up

    warm_up()
    return True


def begin(title: str, intro: str) -> None:
    """Attach the session to the URL, start the background warm-up, draw the title and intro."""
    state.attach()
    _warm_up_projection()
    st.title(title)
    st.markdown(f"#### {intro}")


def end() -> None:
    """Write the session's setup and run into the URL (links reproduce what is on screen)."""
    state.publish()
