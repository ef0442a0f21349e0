"""Embeddings: the live map of what the model thinks is alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.components import embedding_map, image_grid, page, runs
from sslcore import api
from sslcore.store import ACTIVE_STATES, RunStore

POLL_SECONDS = 2.5
METHODS = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}


@st.cache_data(show_spinner=False, max_entries=16)
def categories(run_path: str) -> embedding_map.Categories:
    """Names of the label classes and of each categorical factor's values, and the colours of
    the factors that are colours: from the run card, as the run recorded them."""
    try:
        card = api.run_card(run_path)
    except ValueError:
        return embedding_map.Categories({}, {})
    colours = {f.name: list(f.colours) for f in card.data.factors if f.colours}
    return embedding_map.Categories(api.value_names(card), colours)


def choose_method() -> str:
    state.keep_if_valid(state.MAP_METHOD, METHODS)
    method = st.radio(
        "Map", list(METHODS), format_func=METHODS.get, horizontal=True, key=state.MAP_METHOD
    )
    if method == "umap" and not api.umap_ready():
        # Compiled when first asked for, not when the lab starts: beside a run's first steps
        # the compile tripled the time from Start to the first loss point (BENCHMARKS.md).
        api.warm_up_umap()
        st.caption("UMAP is compiling on first use (about 15 s): showing PCA meanwhile.")
        return "pca"
    return method


def render_map(run_path: Path, active: bool) -> None:
    """The map at the chosen (or, while training, the latest) step, and the clicked point.

    In projector mode the map comes first, in a wide column on the left with the settings beside
    it, so it is on screen without scrolling; the clicked point's neighbours follow below. The
    page's choices go into the URL from here too (a change inside this fragment reruns only it).
    """
    store = RunStore(run_path)
    if active and (store.status() or {}).get("state") not in ACTIVE_STATES:
        st.rerun(scope="app")
    steps = store.embedding_steps()
    if not steps:
        st.info(
            "The map appears at the first monitor step of the run.", icon=":material/hourglass_top:"
        )
        return
    if state.projector():  # neighbours below the map, full width, for their large tiles
        map_area, settings = st.columns([3, 1])
        neighbours = st.container()
    else:
        settings, neighbours = st.columns([1, 3])
        map_area = st.container()
    with settings:
        method = choose_method()
        if active:
            step = steps[-1]
            st.markdown(f"Following the training live: **step {step}**")
        else:
            state.keep_if_valid(state.MAP_STEP, steps, default=steps[-1])
            step = st.select_slider("Replay the saved steps", steps, key=state.MAP_STEP)
    data = embedding_map.load_step(str(run_path), step)
    if data is None:
        st.warning("This step's embeddings could not be read.")
        return
    options = embedding_map.colour_options(data)
    with settings:
        state.keep_if_valid(state.MAP_COLOUR, options)
        by = st.selectbox("Colour by", options, key=state.MAP_COLOUR) if options else None
    previous = st.session_state.get(state.MAP_PREVIOUS)
    prev_ids, prev_coords = None, None
    if previous is not None and previous[:2] == (store.run_id, method):
        prev_ids, prev_coords = previous[2], previous[3]
    try:
        coords = embedding_map.layout(str(run_path), step, method, prev_ids, prev_coords)
    except ValueError as err:
        st.error(f"Cannot draw the map: {err}")
        return
    ids = np.asarray(data.get("ids", np.arange(len(coords))))
    st.session_state[state.MAP_PREVIOUS] = (store.run_id, method, ids, coords)
    known = categories(str(store.path))
    texts = embedding_map.hover_texts(data)
    thing = "document" if texts else "image"
    if by is None:
        labels, kind = np.array([thing] * len(coords)), "N"
    else:
        labels, kind = embedding_map.colour_values(data, by, known.names)
    frame = pd.DataFrame(
        {"x": coords[:, 0], "y": coords[:, 1], "colour": labels, "index": np.arange(len(coords))}
    )
    uris = embedding_map.thumbnails(str(run_path), step, image_grid.tile_size(64))
    if len(texts) == len(frame):
        frame["text"] = texts
    elif len(uris) == len(frame):
        frame["image"] = uris
    selection = map_area.altair_chart(
        embedding_map.chart(frame, by or thing, kind, known.swatches(by)),
        on_select="rerun",
        selection_mode="point",
        key=state.MAP_SELECTION,
    )
    index = embedding_map.selected_index(selection)
    with neighbours:
        if index is not None and ("texts" in data or "images" in data):
            embedding_map.show_neighbours(data, index, labels.astype(str), known.swatches(by))
        else:
            st.caption(f"Hover over a dot to see its {thing}; click one to see its neighbours.")
    state.publish()


def render() -> None:
    page.begin(
        ":material/scatter_plot: The embedding map",
        "Each dot is an image (or a document): what the model finds alike lands close together.",
    )
    store = runs.pick_run("Run", state.EMBED_RUN, preferred=state.run_id())
    if store is None:
        st.info("No run yet: start one on the **Setup** page.", icon=":material/info:")
        page.end()
        return
    if store.run_id != state.run_id():
        state.follow_run(store.run_id)
    active = (store.status() or {}).get("state") in ACTIVE_STATES
    st.fragment(render_map, run_every=POLL_SECONDS if active else None)(store.path, active)
    page.end()
