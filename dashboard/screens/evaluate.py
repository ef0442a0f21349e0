"""Evaluate: is the representation worth anything? kNN, probes, fine-tuning, few labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import state
from dashboard.components import charts, page, runs
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


def run_protocol(
    store: RunStore, protocol: str, fraction: float | None, dataset: str | None = None
) -> None:
    """Run one protocol now (this tab waits; the result is saved in the run's eval/ folder)."""
    from sslcore.eval.run_eval import evaluate_run

    where = f" on {dataset}" if dataset else ""
    with st.spinner(f"Running {PROTOCOLS.get(protocol, protocol).split(' (')[0]}{where}…"):
        try:
            result = evaluate_run(store.path, protocol, labels_fraction=fraction, dataset=dataset)
        except (ValueError, FileNotFoundError, RuntimeError) as err:
            st.session_state[state.EVAL_MESSAGE] = ("error", str(err))
            return
    accuracy = result.get("accuracy")
    line = f"{result['name']}: done" + (
        f", accuracy {accuracy:.1%}" if accuracy is not None else ""
    )
    st.session_state[state.EVAL_MESSAGE] = ("success", line)


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
    """Whether the run reads text (token ids) rather than images."""
    from sslcore.data.text_dataset import is_text_dataset

    return is_text_dataset(str((store.config() or {}).get("data", {}).get("dataset", "")))


def protocols_for(store: RunStore) -> list[str]:
    """The protocols that apply to the run: all but perplexity for images, the text ones else."""
    from sslcore.eval.perplexity import LANGUAGE_MODELS
    from sslcore.eval.run_eval import TEXT_PROTOCOLS

    if not is_text_run(store):
        return [p for p in PROTOCOLS if p != "perplexity"]
    objective = str((store.config() or {}).get("objective", {}).get("name", ""))
    return [p for p in TEXT_PROTOCOLS if p != "perplexity" or objective in LANGUAGE_MODELS]


def pick_dataset(store: RunStore, column: Any) -> str | None:
    """The "Evaluate on" select: the run's own data, or another dataset to transfer to."""
    from sslcore.data import DATASET_NAMES

    own = str((store.config() or {}).get("data", {}).get("dataset", ""))
    others = [] if is_text_run(store) else [name for name in DATASET_NAMES if name != own]
    options = [own, *others]
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
        fraction = fraction_column.select_slider(
            "Share of labels",
            FRACTIONS,
            value=0.1,
            key=state.EVAL_FRACTION,
            format_func=lambda f: f"{f:.0%}",
        )
    if button_column.button(
        "Run",
        type="primary",
        icon=":material/play_arrow:",
        disabled=not store.checkpoint_path().exists(),
        key="eval-run",
    ):
        run_protocol(store, protocol, fraction, dataset)
    message = st.session_state.pop(state.EVAL_MESSAGE, None)
    if message is not None:
        (st.error if message[0] == "error" else st.success)(message[1])
    render_results(store)
    page.end()
