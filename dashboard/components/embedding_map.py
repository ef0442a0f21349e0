"""The map of the embedding space: one dot per probe image (or document), its picture on hover.

Vega-Lite (through Altair) shows an image in a tooltip when the tooltip field is named ``image``
and holds a ``data:image/png;base64,...`` URI, which plotly's hover labels cannot do. Each frame
starts from the previous frame's layout (:func:`sslcore.api.map_layout`), so a live map
moves smoothly instead of jumping. For a text run the tooltip shows the document itself (the
``text`` field) and the neighbours of a clicked dot are listed as sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import image_grid, text_view
from sslcore import api
from sslcore.store import RunStore

POINT_SIZE = 70
NEIGHBOURS = 8
HOVER_CHARACTERS = 160


@st.cache_data(show_spinner=False, max_entries=64)
def load_step(run_path: str, step: int) -> dict[str, np.ndarray] | None:
    """The probe set's features, labels, factors, ids and images at ``step``."""
    return RunStore(Path(run_path)).load_embeddings(step)


@st.cache_data(show_spinner=False, max_entries=8)
def thumbnails(run_path: str, step: int, size: int = 64) -> list[str]:
    """Data URIs of the probe images (the same images at every step of a run), about ``size``
    pixels wide (160 in projector mode: about 1.3 kB each for 32-pixel shapes)."""
    data = load_step(run_path, step)
    if data is None or "images" not in data:
        return []
    return [image_grid.png_data_uri(image, target=size) for image in data["images"]]


def hover_texts(data: Mapping[str, np.ndarray]) -> list[str]:
    """The probe documents of a text run, cut for a tooltip (empty for an image run)."""
    texts = [str(t) for t in data.get("texts", [])]
    return [t if len(t) <= HOVER_CHARACTERS else t[: HOVER_CHARACTERS - 1] + "…" for t in texts]


@st.cache_data(show_spinner="Drawing the map…", max_entries=64)
def layout(
    run_path: str,
    step: int,
    method: str,
    previous_ids: np.ndarray | None,
    previous_coords: np.ndarray | None,
) -> np.ndarray:
    """(N, 2) map coordinates of ``step``, continuing from the previous frame when given."""
    data = load_step(run_path, step)
    assert data is not None  # the caller checked the step exists
    return api.map_layout(data["features"], method, data.get("ids"), previous_ids, previous_coords)


class Categories(NamedTuple):
    """What a dataset calls the values it records, and how the colour ones look.

    Attributes:
        names: ``label`` and each categorical factor -> the names of its values.
        colours: a factor whose values are colours -> ``#rrggbb`` per value, as painted.
    """

    names: Mapping[str, list[str]]
    colours: Mapping[str, list[str]]

    def swatches(self, by: str | None) -> dict[str, str]:
        """Value name -> its paint for the factor ``by`` (empty when it is not a colour)."""
        if by is None or by not in self.colours:
            return {}
        return dict(zip(self.names.get(by, []), self.colours[by], strict=True))


def colour_options(data: Mapping[str, np.ndarray]) -> list[str]:
    """What the dots can be coloured by: the label, then each recorded factor."""
    options = ["label"] if "labels" in data else []
    return options + sorted(k.removeprefix("factor_") for k in data if k.startswith("factor_"))


def colour_values(
    data: Mapping[str, np.ndarray], by: str, names: Mapping[str, list[str]]
) -> tuple[np.ndarray, str]:
    """The values to colour by and their Vega-Lite type (``N`` categorical, ``Q`` numeric)."""
    values = np.asarray(data["labels"] if by == "label" else data[f"factor_{by}"])
    if np.issubdtype(values.dtype, np.floating):
        return values, "Q"
    known = names.get(by, [])
    return np.array([known[v] if 0 <= v < len(known) else str(v) for v in values]), "N"


def chart(
    frame: pd.DataFrame, by: str, kind: str, swatches: Mapping[str, str] | None = None
) -> alt.Chart:
    """A scatter of ``frame`` (x, y, colour, index, and ``image`` or ``text``) with the picture
    or the document on hover; ``swatches`` (value -> ``#rrggbb``) paint a colour factor in its
    own colours instead of the default palette's."""
    scale = (
        alt.Scale(domain=list(swatches), range=list(swatches.values()))
        if swatches
        else alt.Undefined
    )
    shown = [alt.Tooltip(f"{c}:N") for c in ("image", "text") if c in frame.columns]
    pick = alt.selection_point(name="point", fields=["index"], on="click")
    axis = alt.Axis(labels=False, ticks=False, title=None, grid=False)
    return (
        alt.Chart(frame)
        .mark_circle(size=POINT_SIZE, opacity=0.85, stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("x:Q", axis=axis),
            y=alt.Y("y:Q", axis=axis),
            color=alt.Color(
                f"colour:{kind}",
                title=by,
                scale=scale,
                legend=alt.Legend(labelFontSize=16, titleFontSize=18, symbolSize=200),
            ),
            tooltip=[*shown, alt.Tooltip("colour:N", title=by)],
        )
        .add_params(pick)
        .properties(height=620)
        .configure_view(strokeWidth=0)
    )


def selected_index(selection: Any) -> int | None:
    """The row index of the clicked point in an ``st.altair_chart`` selection, if any."""
    try:
        points = selection["selection"]["point"]
    except (KeyError, TypeError):
        return None
    if not points:
        return None
    value = points[0].get("index")
    return int(value) if value is not None else None


def swatched(name: str, swatches: Mapping[str, str]) -> str:
    """``name`` behind a dot of its true colour when it is a colour factor's value (HTML)."""
    paint = swatches.get(name)
    return f"<span style='color:{paint}'>●</span> {name}" if paint else name


def show_neighbours(
    data: Mapping[str, np.ndarray],
    index: int,
    label_of: np.ndarray,
    swatches: Mapping[str, str] | None = None,
) -> None:
    """The clicked image (or document) and those the model finds most similar to it.

    ``swatches`` (value name -> ``#rrggbb``, for a colour factor) puts a dot of each value's
    true colour before its name in the captions, as in the map's legend.
    """
    indices, similarities = api.neighbours(data["features"], index, k=NEIGHBOURS)
    if "texts" in data:
        show_neighbour_texts(data["texts"], index, indices, similarities, label_of)
        return
    paints = swatches or {}
    st.markdown(
        f"**The clicked image ({swatched(str(label_of[index]), paints)}) and its "
        f"{len(indices)} nearest neighbours**",
        unsafe_allow_html=True,
    )
    images = np.asarray(data["images"])
    chosen = np.concatenate([[index], indices])
    image_grid.show_grid(images[chosen], columns=NEIGHBOURS + 1, target=80)
    st.caption(
        "Similarities: "
        + ", ".join(
            f"{swatched(str(label_of[i]), paints)} {s:.2f}"
            for i, s in zip(indices, similarities, strict=True)
        ),
        unsafe_allow_html=True,
    )


def show_neighbour_texts(
    texts: np.ndarray,
    index: int,
    neighbours: list[int],
    similarities: list[float],
    label_of: np.ndarray,
) -> None:
    """The clicked document, then its nearest neighbours with their label and cosine similarity."""
    st.markdown(f"**The clicked document ({label_of[index]})**")
    text_view.show_line(str(texts[index]))
    st.markdown(f"**Its {len(neighbours)} nearest neighbours**")
    for i, similarity in zip(neighbours, similarities, strict=True):
        text_view.show_line(str(texts[i]), f"`{label_of[i]}` · {similarity:.2f} · ")
