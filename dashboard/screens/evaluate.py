"""Evaluate: is the representation worth anything? kNN, probes, fine-tuning, few labels."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import state
from dashboard.components import charts, page, runs
from sslcore import api
from sslcore.store import RunStore

# Plain-language names of the protocols of sslcore.eval.run_eval (a new one shows by its key).
PROTOCOLS = {
    "knn": "kNN classifier (frozen features)",
    "linear": "Linear probe (frozen features)",
    "finetune": "Fine-tuning (all weights, few labels)",
    "supervised": "Supervised from scratch (the baseline)",
    "label-efficiency": "Label efficiency (accuracy against the share of labels)",
    "probes": "Factor probes (what the features keep: shape, colour, size…)",
    "collapse": "Collapse diagnostics (std, RankMe, alignment, uniformity)",
    "perplexity": "Perplexity (a language model's surprise at held-out text)",
}
TEXT_NOTE = (
    "This is a text run: kNN and linear probes score the sentence embeddings on the documents' "
    "labels (the module each docstring documents, for stdlib_docs), and a language model "
    "(mlm, next_token) also gets its perplexity. Factor probes do not apply (documents record "
    "no factors such as shape or colour), nor do fine-tuning, label efficiency and transfer, "
    "which train or adapt the backbone on images."
)
# The figures each non-accuracy protocol shows as metrics (the rest is in the JSON below).
FIGURES = {
    "collapse": ("std", "std_ideal", "rankme", "rank_max", "alignment", "uniformity"),
    "perplexity": ("perplexity", "vocabulary"),
}
FRACTIONS = (0.01, 0.1, 1.0)
JOB_POLL_SECONDS = 1.0
NEEDS_FRACTION = ("finetune", "supervised")


def numbers(result: Mapping[str, Any]) -> dict[str, float]:
    """The top-level numeric entries of a result (booleans left out)."""
    return {
        k: float(v)
        for k, v in result.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


CURVE_METHODS = {
    "ssl_linear": "self-supervised + linear probe",
    "ssl_finetune": "self-supervised + fine-tuning",
    "supervised": "supervised from scratch",
    "random_linear": "random network + linear probe",
}


def curve_frame(result: Mapping[str, Any]) -> pd.DataFrame:
    """Long rows (fraction, method, accuracy) from a label-efficiency result's ``rows``."""
    wide = pd.DataFrame(result.get("rows", []))
    methods = [m for m in CURVE_METHODS if m in wide.columns]
    if wide.empty or not methods:
        return pd.DataFrame()
    long = wide.melt(
        id_vars=["fraction"], value_vars=methods, var_name="method", value_name="accuracy"
    )
    long["method"] = long["method"].map(CURVE_METHODS)
    return long


def label_efficiency_figure(frame: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for i, (method, rows) in enumerate(frame.groupby("method", sort=False)):
        rows = rows.sort_values("fraction")
        fig.add_trace(
            go.Scatter(
                x=rows["fraction"] * 100,
                y=rows["accuracy"],
                name=str(method),
                mode="lines+markers",
                marker={"size": 12},
                line={"width": 3, "color": charts.PALETTE[i % 10]},
            )
        )
    fig.update_xaxes(type="log", ticksuffix="%")
    fig.update_yaxes(tickformat=".0%")
    fig = charts.styled(fig, "Accuracy against the share of labels used", "test accuracy")
    fig.update_layout(xaxis_title="labels used", hovermode="closest")
    return fig


def probes_figure(scores: Mapping[str, float]) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=list(scores),
            y=list(scores.values()),
            marker_color=charts.PALETTE[: len(scores)],
            text=[f"{v:.2f}" for v in scores.values()],
            textposition="outside",
        )
    )
    fig = charts.styled(fig, "What the features keep (accuracy or R² of a linear probe)", "score")
    fig.update_layout(xaxis_title="factor", hovermode="closest")
    fig.update_yaxes(range=[0, 1.1])
    return fig


def probe_scores(result: Mapping[str, Any]) -> dict[str, float]:
    """factor (metric) -> score, from a probes result's ``factors`` list."""
    return {
        f"{row['factor']} ({row['metric']})": float(row["score"])
        for row in result.get("factors", [])
    }


def is_transfer(result: Mapping[str, Any]) -> bool:
    """Whether a result was measured on another dataset than the run's own."""
    return "adaptation" in result


def transfer_figures(result: Mapping[str, Any]) -> dict[str, float]:
    """A transfer result's accuracies: ``accuracy``, and per label-efficiency row and method."""
    figures = {}
    if isinstance(result.get("accuracy"), int | float):
        figures[f"{result['name']}"] = float(result["accuracy"])
    for row in result.get("rows", []):
        for method, label in CURVE_METHODS.items():
            if method in row:
                figures[f"{result['name']} · {label} @ {row['fraction']:.0%}"] = row[method]
    return figures


def transfer_frame(results: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per transfer result: where to, how, with how many labels, and how well."""
    rows = []
    for name, result in results.items():
        if not is_transfer(result):
            continue
        adaptation = result["adaptation"]
        rows.append({
            "result": name,
            "pretrained on": result.get("pretrain_dataset"),
            "evaluated on": result.get("dataset"),
            "protocol": result.get("protocol"),
            "labels": result.get("n_labels", result.get("n_train")),
            "accuracy": result.get("accuracy"),
            "channels": adaptation.get("channels"),
            "size": adaptation.get("size"),
        })  # fmt: skip
    return pd.DataFrame(rows)


def start_protocol(
    run_path: Path, protocol: str, fraction: float | None, dataset: str | None = None
) -> None:
    """Start one protocol in the background (the result is saved in the run's eval/ folder).

    A button callback, so the page that follows already draws the evaluation as running.
    """
    try:
        api.start_evaluation(run_path, protocol, labels_fraction=fraction, dataset=dataset)
    except (api.EvaluationBusy, FileNotFoundError) as err:
        st.session_state[state.EVAL_MESSAGE] = ("error", str(err))


def protocol_label(status: Mapping[str, Any]) -> str:
    """``Linear probe (10% of labels) on digits``: an evaluation in words."""
    label = PROTOCOLS.get(str(status.get("protocol")), str(status.get("protocol")))
    words = label.split(" (")[0]
    if status.get("labels_fraction") is not None:
        words += f" ({status['labels_fraction']:.0%} of labels)"
    return words + (f" on {status['dataset']}" if status.get("dataset") else "")


def render_job(run_path: Path, was_running: bool) -> None:
    """The run's evaluation: its progress while it runs, then how it ended.

    Drawn in a fragment that polls while an evaluation runs, so the rest of the page stays
    usable; when it ends, the whole page reruns to show the new result.
    """
    status = api.last_evaluation(run_path)
    if status is None:
        return
    name = protocol_label(status)
    if status["state"] == "running":
        elapsed = time.time() - float(status["started"])
        done = api.evaluation_progress(status)
        expected = status.get("expected_s")
        if done is None:
            st.info(
                f"Running {name}… {elapsed:.0f} s so far (the first time: no estimate yet).",
                icon=":material/hourglass_top:",
            )
        else:
            st.progress(
                done, text=f"Running {name}… {elapsed:.0f} s of about {expected:.0f} s (last time)"
            )
        st.caption(
            "It runs in the background: change the settings, open other pages or reload; the "
            "result appears here when it is done."
        )
        return
    if was_running:
        st.rerun(scope="app")  # the results below are drawn by the whole page
    if status["state"] == "finished":
        accuracy = status.get("accuracy")
        st.success(
            f"{name}: done in {status.get('seconds') or 0:.0f} s"
            + (f", accuracy {accuracy:.1%}" if isinstance(accuracy, int | float) else ""),
            icon=":material/check_circle:",
        )
    else:
        st.error(f"{name}: {status.get('message', status['state'])}", icon=":material/error:")


def knn_difference(results: Mapping[str, Mapping[str, Any]], store: RunStore) -> str | None:
    """Why this page's kNN and the Train page's live kNN differ, with both numbers."""
    knn = results.get("knn")
    if knn is None:
        return None
    live = [r for r in store.metrics() if isinstance(r.get("knn_accuracy"), int | float)]
    live_words = (
        f" (it last read {live[-1]['knn_accuracy']:.1%} at step {live[-1]['step']})" if live else ""
    )
    probe = int((store.config() or {}).get("monitor", {}).get("probe_size", 1000))
    return (
        f"kNN here: all {knn.get('n_test', 0):,} test images vote among "
        f"{knn.get('n_labels', knn.get('n_train', 0)):,} labelled training images (k = "
        f"{knn.get('k')}, τ = {knn.get('temperature')}), at step {knn.get('step')}. The Train "
        f"page's live kNN{live_words} uses a sample: {probe:,} test images among up to "
        f"{api.knn_bank_size():,} training images, so it reads lower: fewer neighbours to find."
    )


def render_transfer(results: Mapping[str, Mapping[str, Any]]) -> None:
    """The results on other datasets, with what was done to their images, and their curves."""
    frame = transfer_frame(results)
    if frame.empty:
        return
    st.subheader("Transfer: the frozen backbone on other datasets")
    st.caption(
        "Images of another dataset are converted to the backbone's channels (grey replicated to "
        "RGB, or RGB to its luminance) and resized to its image size, as the table says."
    )
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe(frame, hide_index=True, column_config={"accuracy": percent})
    for name, result in results.items():
        if is_transfer(result) and result.get("rows"):
            curve = curve_frame(result)
            if not curve.empty:
                figure = label_efficiency_figure(curve)
                figure.update_layout(title=f"{figure.layout.title.text} · on {result['dataset']}")
                charts.show(figure, key=f"transfer-{name}")


def render_results(store: RunStore) -> None:
    everything = store.eval_results()
    results = {name: r for name, r in everything.items() if not is_transfer(r)}
    render_transfer(everything)
    if not results:
        st.info("No evaluation yet: choose a protocol above and press Run.", icon=":material/info:")
        return
    accuracies = {
        p: r["accuracy"] for p, r in results.items() if isinstance(r.get("accuracy"), int | float)
    }
    if accuracies:
        for column, (protocol, value) in zip(
            st.columns(len(accuracies)), accuracies.items(), strict=True
        ):
            column.metric(PROTOCOLS.get(protocol, protocol).split(" (")[0], f"{value:.1%}")
    difference = knn_difference(results, store)
    if difference is not None:
        st.caption(difference)
    curve_key = next((k for k in results if k.replace("_", "-") == "label-efficiency"), None)
    if curve_key is not None:
        frame = curve_frame(results[curve_key])
        if not frame.empty:
            charts.show(label_efficiency_figure(frame), key="label-efficiency")
    if "probes" in results:
        st.caption(
            "Accuracy for categories (shape, colour), R² for numbers (size, position, "
            "angle). A factor the augmentations hid from the model scores low."
        )
        scores = probe_scores(results["probes"])
        if scores:
            charts.show(probes_figure(scores), key="probes")
    for name, keys in FIGURES.items():
        if name in results:
            figures = {k: v for k, v in numbers(results[name]).items() if k in keys}
            for column, (figure, value) in zip(
                st.columns(max(len(figures), 1)), figures.items(), strict=False
            ):
                column.metric(figure, f"{value:.3g}")
    with st.expander("All results (JSON)"):
        st.json(everything)


def is_text_run(store: RunStore) -> bool:
    """Whether the run reads text (token ids) rather than images (its run card says)."""
    card = runs.card_of(store)
    return card is not None and card.modality == "text"


def protocols_for(store: RunStore) -> list[str]:
    """The protocols that apply to the run: all but perplexity for images, the text ones else."""
    card = runs.card_of(store)
    return [p for p in PROTOCOLS if p != "perplexity"] if card is None else api.protocols(card)


def pick_dataset(store: RunStore, column: Any) -> str | None:
    """The "Evaluate on" select: the run's own data, or another dataset to transfer to."""
    own = str((store.config() or {}).get("data", {}).get("dataset", ""))
    card = runs.card_of(store)
    options = [own, *(api.transfer_datasets(card) if card is not None else [])]
    chosen = column.selectbox(
        "Evaluate on",
        options,
        format_func=lambda name: f"{name} (its own data)" if name == own else f"{name} (transfer)",
        help="Another dataset tests whether what was learned carries over; its images are "
        "adapted to the backbone (channels, size) and the result says how.",
    )
    return None if chosen == own else chosen


def render() -> None:
    page.begin(
        ":material/grading: Evaluate the representation",
        "How good are the learned features for a real task, with few labels?",
    )
    store = runs.pick_run("Run", state.EVAL_RUN, preferred=state.run_id())
    if store is None:
        st.info("No run yet: start one on the **Setup** page.", icon=":material/info:")
        page.end()
        return
    if not store.checkpoint_path().exists():
        st.warning(
            "This run has no checkpoint yet: protocols need one (it is written every "
            "few hundred steps and at the end)."
        )
    protocol_column, dataset_column, fraction_column, button_column = st.columns(
        [3, 2, 2, 1], vertical_alignment="bottom"
    )
    if is_text_run(store):
        st.info(TEXT_NOTE, icon=":material/notes:")
    dataset = pick_dataset(store, dataset_column)
    choices = protocols_for(store)
    if st.session_state.get(state.EVAL_PROTOCOL) not in (None, *choices):
        del st.session_state[state.EVAL_PROTOCOL]  # picked for another run: not for this one
    protocol = protocol_column.selectbox(
        "Protocol", choices, format_func=PROTOCOLS.get, key=state.EVAL_PROTOCOL
    )
    fraction = None
    if protocol in NEEDS_FRACTION:
        state.keep_if_valid(state.EVAL_FRACTION, FRACTIONS, default=0.1)  # a link's, or 10%
        fraction = fraction_column.select_slider(
            "Share of labels",
            FRACTIONS,
            key=state.EVAL_FRACTION,
            format_func=lambda f: f"{f:.0%}",
        )
    busy = api.evaluation_running(store.path)
    button_column.button(
        "Run",
        type="primary",
        icon=":material/play_arrow:",
        disabled=busy or not store.checkpoint_path().exists(),
        key="eval-run",
        help="Runs in the background; one evaluation at a time per run.",
        on_click=start_protocol,
        args=(store.path, protocol, fraction, dataset),
    )
    message = st.session_state.pop(state.EVAL_MESSAGE, None)
    if message is not None:
        (st.error if message[0] == "error" else st.success)(message[1])
    job = st.fragment(render_job, run_every=JOB_POLL_SECONDS if busy else None)
    job(store.path, busy)
    render_results(store)
    page.end()
