"""Where a ViT's class token looks: the ``attention`` snapshot under its own heading.

The monitor saves it for every run on a Vision Transformer (:mod:`sslcore.train.attention`):
each probe image in a row with its attention maps laid over it, the mean of the heads first.
Its captions name the columns, and repeat for every row. Full width, so in projector mode
(:func:`dashboard.state.projector`) every tile is drawn large.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from dashboard.components import image_grid
from sslcore.store import RunStore

TITLE = "Where the class token looks"
EXPLANATION = (
    "Each probe image, then how much the class token (whose output is the representation) "
    "attends to each patch in the last layer: the mean of the heads, then each head; brighter "
    "is more. A random network's maps are diffuse; in DINO's paper, after training, they "
    "outline the object though no label said where it was (Caron et al. 2021, Fig. 1)."
)


def columns(captions: list[str]) -> int:
    """Tiles per image: the captions of one row repeat, each row starting with ``image``."""
    starts = [i for i, caption in enumerate(captions) if caption == "image"]
    return starts[1] if len(starts) > 1 else max(len(captions), 1)


def entropy_note(rows: list[dict[str, Any]], step: int, config: dict[str, Any]) -> str:
    """The maps' spread at ``step`` in nats, beside an even spread's (log of the patches)."""
    values = [r["attention_entropy"] for r in rows if r.get("step") == step and
              "attention_entropy" in r]  # fmt: skip
    if not values:
        return ""
    patches = (config["data"]["image_size"] // config["backbone"]["patch_size"]) ** 2
    return (
        f"Spread (entropy) at this step: {values[-1]:.2f} nats; {math.log(patches):.2f} would "
        f"be an even spread over all {patches} patches, 0 a single patch."
    )


def render(store: RunStore, rows: list[dict[str, Any]]) -> None:
    """The latest attention snapshot with its heading, explanation and spread, if any."""
    snapshot = store.load_snapshot("attention")
    if snapshot is None:
        return
    st.markdown(f"#### {TITLE} (step {snapshot['step']})")
    st.caption(EXPLANATION)
    captions = snapshot.get("captions") or []
    wide = columns(captions)
    image_grid.show_grid(
        snapshot["images"],
        columns=wide,
        caption=" · ".join(captions[:wide]),
        target=72,
    )
    note = entropy_note(rows, snapshot["step"], store.config() or {})
    if note:
        st.caption(note)
