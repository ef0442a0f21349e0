"""Factor probes side by side: each run's, a random network's, and chance, one row per factor.

A probe score is read against two baselines. Chance is what knowing nothing scores (for a
category, the share of its most common value, about 1/number of values; for a number, R² 0). A
random network of the same backbone is what the architecture keeps before any training: random
convolutions already pass colour and position through, so a trained run's colour probe near the
random network's means training neither taught nor removed colour. Both baselines come from the
runs' own ``eval/probes.json`` (Evaluate → Factor probes), so the table shows nothing that was
not measured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from sslcore.store import RunStore

CHANCE = "chance"
HELP = (
    "Accuracy for a category (shape, colour), R² for a number (size, position, angle) of a "
    "linear probe on the frozen features. Chance: the most common value's share (about 1 / "
    "number of values), or R² 0. Random network: the same backbone untrained, the network the "
    "run started from."
)


def factor_row(score: Mapping[str, Any]) -> str:
    """``colour (accuracy)``: a probe's row name."""
    return f"{score['factor']} ({score['metric']})"


def probe_table(
    stores: Sequence[RunStore], labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """One row per factor; a column per run with a probes result (named by ``labels`` or its
    id), one per random backbone among them, and chance. Empty when no run has probes."""
    columns: dict[str, dict[str, float]] = {}
    random: dict[str, dict[str, float]] = {}  # after the runs' columns
    chance: dict[str, float] = {}
    for store in stores:
        result = store.eval_results().get("probes") or {}
        factors = result.get("factors") or []
        if not factors:
            continue
        name = (labels or {}).get(store.run_id, store.run_id)
        columns[name] = {factor_row(s): float(s["score"]) for s in factors}
        chance |= {factor_row(s): float(s["chance"]) for s in factors}
        if result.get("random_factors"):
            backbone = (store.config() or {}).get("backbone", {}).get("name", "backbone")
            random.setdefault(
                f"random {backbone}",
                {factor_row(s): float(s["score"]) for s in result["random_factors"]},
            )
    if not columns:
        return pd.DataFrame()
    return pd.DataFrame(columns | random).assign(**{CHANCE: pd.Series(chance)})


def render(stores: Sequence[RunStore], labels: Mapping[str, str] | None = None) -> bool:
    """Draw the table; False (nothing drawn) when no run has been probed yet."""
    table = probe_table(stores, labels)
    if table.empty:
        return False
    number = st.column_config.NumberColumn(format="%.2f")
    st.dataframe(table, column_config=dict.fromkeys(table.columns, number))
    st.caption(HELP)
    return True
