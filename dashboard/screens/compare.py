"""Compare: several runs side by side: curves, final figures and what differs in their setups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.components import charts, page, probe_table, runs
from dashboard.screens.evaluate import is_transfer, transfer_figures
from sslcore.store import ACTIVE_STATES, RunStore

POLL_SECONDS = 3.0
CURVES = (
    ("loss", "Loss", "loss"),
    ("knn_accuracy", "kNN accuracy", "accuracy"),
    ("collapse_std", "Collapse check (≈0 means collapsed)", "std"),
)


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"optim": {"lr": 1}}`` -> ``{"optim.lr": 1}``."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def config_differences(stores: Sequence[RunStore]) -> pd.DataFrame:
    """One row per setting whose value is not the same in every run; one column per run."""
    flat = {s.run_id: flatten(s.config() or {}) for s in stores}
    keys = sorted(set().union(*(f.keys() for f in flat.values())))
    rows = {
        k: [str(flat[r].get(k, "–")) for r in flat]
        for k in keys
        if len({str(flat[r].get(k, "–")) for r in flat}) > 1
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(flat))


def final_figures(store: RunStore, frame: pd.DataFrame) -> dict[str, Any]:
    """The headline numbers of a run, for the table."""
    config, status = store.config() or {}, store.status() or {}

    def last(column: str) -> float | None:
        if column not in frame.columns or frame[column].dropna().empty:
            return None
        return float(frame[column].dropna().iloc[-1])

    row: dict[str, Any] = {
        "run": store.run_id,
        "objective": config.get("objective", {}).get("name"),
        "backbone": config.get("backbone", {}).get("name"),
        "dataset": config.get("data", {}).get("dataset"),
        "state": status.get("state"),
        "step": status.get("step"),
        "final loss": last("loss"),
        "final kNN acc.": last("knn_accuracy"),
        "best kNN acc.": float(frame["knn_accuracy"].max()) if "knn_accuracy" in frame else None,
        "images/s": last("images_per_s"),
    }
    if "perplexity" in frame.columns:  # language models (mlm, next_token) on text
        row["final perplexity"] = last("perplexity")
    for protocol, result in store.eval_results().items():
        if isinstance(result.get("accuracy"), int | float):
            row[f"{protocol} acc."] = result["accuracy"]
    return row


def transfer_comparison(stores: Sequence[RunStore]) -> pd.DataFrame:
    """Transfer results side by side: one row per result on another dataset, one column per run.

    Label-efficiency results contribute a row per method and share of labels, so a
    shapes-pretrained backbone and a random one sit next to each other on the target data.
    """
    columns = {}
    for store in stores:
        figures: dict[str, float] = {}
        for result in store.eval_results().values():
            if is_transfer(result):
                figures |= transfer_figures(result)
        if figures:
            init = (store.config() or {}).get("backbone", {}).get("init_from", "scratch")
            columns[f"{store.run_id} (init: {init})"] = figures
    return pd.DataFrame(columns)


def render_comparison(paths: Sequence[Path], active: bool) -> None:
    stores = [RunStore(p) for p in paths]
    if active and not any((s.status() or {}).get("state") in ACTIVE_STATES for s in stores):
        st.rerun(scope="app")
    frames = {s.run_id: charts.metrics_frame(s.metrics()) for s in stores}
    columns = st.columns(len(CURVES))
    for column, (metric, title, y_title) in zip(columns, CURVES, strict=True):
        with column:
            charts.show(charts.runs_figure(frames, metric, title, y_title), key=f"compare-{metric}")
    if any("perplexity" in frame.columns for frame in frames.values()):
        title = "Perplexity on held-out text (language models)"
        curve, note = st.columns([2, 1])
        with curve:
            charts.show(
                charts.runs_figure(frames, "perplexity", title, "exp(cross-entropy)"),
                key="compare-perplexity",
            )
        note.caption(
            "Only the language models (mlm, next_token) have a perplexity. mlm's counts only the "
            "masked tokens, guessed from both sides, so it is lower than next_token's, which "
            "guesses every token from the left: compare like with like."
        )
    st.subheader("Final figures")
    table = pd.DataFrame([final_figures(s, frames[s.run_id]) for s in stores])
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "final kNN acc.": st.column_config.NumberColumn(format="percent"),
            "best kNN acc.": st.column_config.NumberColumn(format="percent"),
            "images/s": st.column_config.NumberColumn(format="%.0f"),
            "final loss": st.column_config.NumberColumn(format="%.4f"),
            "final perplexity": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    st.subheader("Factor probes: what each run's features keep")
    if not probe_table.render(stores):
        st.caption(
            "No run here has been probed yet: Evaluate → Factor probes, for each run, fills this "
            "table (with a random network of the same backbone and chance beside them)."
        )
    transfer = transfer_comparison(stores)
    if not transfer.empty:
        st.subheader("Transfer: accuracy on other datasets")
        st.caption(
            "Each row is one evaluation on a dataset the runs were not trained on "
            "(Evaluate → Evaluate on …); an empty cell: not evaluated there yet."
        )
        percent = st.column_config.NumberColumn(format="percent")
        st.dataframe(transfer, column_config=dict.fromkeys(transfer.columns, percent))


def render() -> None:
    page.begin(
        ":material/compare_arrows: Compare runs",
        "Pick runs to see which setup learned more, and why.",
    )
    stores = runs.all_runs()
    if not stores:
        st.info("No runs yet: start one on the **Setup** page.", icon=":material/info:")
        page.end()
        return
    by_id = {s.run_id: s for s in stores}
    if state.COMPARE_PICKER not in st.session_state:
        chosen = [r for r in st.session_state[state.COMPARE_RUNS] if r in by_id]
        st.session_state[state.COMPARE_PICKER] = chosen or list(by_id)[:3]
    picked = st.multiselect(
        "Runs", list(by_id), key=state.COMPARE_PICKER, format_func=lambda r: runs.describe(by_id[r])
    )
    st.session_state[state.COMPARE_RUNS] = picked
    if not picked:
        st.info("Pick one or more runs above.")
        page.end()
        return
    legend = " &nbsp; ".join(
        f"<span style='color:{charts.run_colour(r)};font-size:1.3em'>●</span> {r}" for r in picked
    )
    st.markdown(legend, unsafe_allow_html=True)
    active = any((by_id[r].status() or {}).get("state") in ACTIVE_STATES for r in picked)
    st.fragment(render_comparison, run_every=POLL_SECONDS if active else None)(
        [by_id[r].path for r in picked], active
    )
    st.subheader("What differs in their setups")
    differences = config_differences([by_id[r] for r in picked])
    if len(picked) < 2:
        st.caption("Pick two runs or more to see their differences.")
    elif differences.empty:
        st.caption("Their setups are identical (only randomness differs).")
    else:
        st.dataframe(differences)
    page.end()
