"""Text where the image pages show pictures: sample documents and the text objectives' snapshots.

Snapshots of text runs hold ``texts`` (one string per row, highlighted tokens written
``⟦like this⟧``) and ``captions``; they are shown as captioned lines, the highlights in bold.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import streamlit as st

# ASCII punctuation Markdown may read as syntax, with Streamlit's $math$ and :emoji: (HTML's <, >,
# & and quotes are left to html.escape).
MARKDOWN_PUNCTUATION = frozenset("\\`*_{}[]()#+-.!|~$:")


def highlighted(text: str) -> str:
    """Markdown-safe HTML of ``text`` with ``⟦marked⟧`` runs in bold.

    Markdown's own ``**bold**`` fails next to punctuation (``return⟦.⟧`` would show the
    asterisks), so the marks become ``<b>`` tags; everything else is escaped, for Markdown
    (backslashes before its punctuation) and for HTML (entities), so a docstring shows as it is.
    """
    safe = "".join(f"\\{c}" if c in MARKDOWN_PUNCTUATION else c for c in text)
    return html.escape(safe, quote=False).replace("⟦", "<b>").replace("⟧", "</b>")


def show_line(text: str, prefix: str = "") -> None:
    """One line of text with its highlights, after ``prefix`` (Markdown the caller made safe)."""
    st.markdown(f"{prefix}{highlighted(text)}", unsafe_allow_html=True)


def show_documents(texts: Sequence[str], labels: Sequence[str], limit: int = 8) -> None:
    """A few documents, each with its label (the module it documents, for stdlib_docs)."""
    for i, text in enumerate(texts[:limit]):
        label = f"`{labels[i]}` " if i < len(labels) else ""
        show_line(text[:300], label)


def show_text_snapshot(snapshot: dict[str, Any]) -> None:
    """The rows of a text snapshot (MLM's masks and guesses, a language model's samples)."""
    captions = snapshot.get("captions") or []
    for i, text in enumerate(snapshot["texts"]):
        caption = captions[i] if i < len(captions) else ""
        st.markdown(f"<small>{html.escape(caption)}</small>", unsafe_allow_html=True)
        if text:
            show_line(text)
        else:
            st.markdown("_(empty)_")
