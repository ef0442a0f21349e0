"""Text where the image pages show pictures: sample documents and the text objectives' snapshots.

Snapshots of text runs hold ``texts`` (one string per row, highlighted tokens written
``⟦like this⟧``) and ``captions``; they are shown as captioned lines, the highlights in bold.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import streamlit as st


def highlighted(text: str) -> str:
    """Markdown-safe text with ``⟦marked⟧`` runs in bold."""
    safe = html.escape(text).replace("*", "\\*").replace("_", "\\_")
    return safe.replace("⟦", "**").replace("⟧", "**")


def show_documents(texts: Sequence[str], labels: Sequence[str], limit: int = 8) -> None:
    """A few documents, each with its label (the module it documents, for stdlib_docs)."""
    for i, text in enumerate(texts[:limit]):
        label = f"`{labels[i]}` " if i < len(labels) else ""
        st.markdown(f"{label}{highlighted(text[:300])}")


def show_text_snapshot(snapshot: dict[str, Any]) -> None:
    """The rows of a text snapshot (MLM's masks and guesses, a language model's samples)."""
    captions = snapshot.get("captions") or []
    for i, text in enumerate(snapshot["texts"]):
        caption = captions[i] if i < len(captions) else ""
        st.markdown(f"<small>{html.escape(caption)}</small>", unsafe_allow_html=True)
        st.markdown(highlighted(text) or "_(empty)_")
