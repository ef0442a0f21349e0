"""The lab's pages, in the order of a lesson: set up, train, look, measure, compare, learn."""

from __future__ import annotations

import importlib

import streamlit as st

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
    """The ``st.Page`` of one page (url path = ``name``); Setup is the first screen."""
    title, icon = PAGES[name]
    render = importlib.import_module(f"dashboard.screens.{name}").render
    return st.Page(render, title=title, icon=icon, url_path=name, default=name == "setup")


def all_pages() -> list[st.Page]:
    return [page(name) for name in PAGES]
