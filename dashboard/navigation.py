"""The lab's pages, in the order of a lesson: set up, train, look, measure, compare, learn."""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable

import streamlit as st

log = logging.getLogger(__name__)

# url path -> (title, icon); each page is dashboard/screens/<url path>.py with a render() function.
PAGES = {
    "setup": ("Setup", ":material/tune:"),
    "train": ("Train", ":material/model_training:"),
    "embeddings": ("Embeddings", ":material/scatter_plot:"),
    "evaluate": ("Evaluate", ":material/grading:"),
    "compare": ("Compare", ":material/compare_arrows:"),
    "learn": ("Learn", ":material/school:"),
}


def page(name: str) -> st.Page:
    """The ``st.Page`` of one page, served at ``/<name>``."""
    title, icon = PAGES[name]
    render = importlib.import_module(f"dashboard.screens.{name}").render
    return st.Page(guarded(render), title=title, icon=icon, url_path=name)


def guarded(render: Callable[[], None]) -> Callable[[], None]:
    """``render`` with one promise kept: no stack frame reaches a browser.

    An error a page did not expect is logged with its traceback on the server and shown as one
    line. Streamlit's own control flow (reruns, page switches) does not derive from
    ``Exception``, so it passes through. ``client.showErrorDetails`` (set by ``ssl-lab``) does
    the same for errors outside the pages.
    """

    @functools.wraps(render)
    def run() -> None:
        try:
            render()
        except Exception as err:
            log.exception("page %s failed", render.__module__)
            first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
            st.error(f"Something went wrong on this page: {first}", icon=":material/error:")

    return run


def open_setup() -> None:
    """The root URL: go on to Setup, keeping the query (a shared link's setup)."""
    st.switch_page(page("setup"), query_params=st.query_params.to_dict())


def all_pages() -> list[st.Page]:
    """Every page, behind a hidden default one at ``/``.

    Streamlit serves its default page at ``/`` only, so a visible default Setup would answer
    "Page not found" to ``/setup``; the hidden root page forwards to it instead.
    """
    root = st.Page(open_setup, title="SSL Lab", url_path="start", default=True, visibility="hidden")
    return [root, *(page(name) for name in PAGES)]
