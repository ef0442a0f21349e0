"""Download buttons for a run: backbone weights, embeddings, metrics and config, and the exports
of ``sslcore export`` (a torchvision state dict, TensorBoard projector files).

Files are made only when a button is pressed (the buttons take functions), so a page that
polls a live run never re-reads the checkpoint.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import streamlit as st

from sslcore import api
from sslcore.store import RunStore


def embeddings_csv(store: RunStore) -> str:
    """The latest probe-set embeddings as CSV: id, label, factors, then f0..f(d-1)."""
    data = store.load_embeddings()
    if data is None:
        return ""
    features = np.asarray(data["features"])
    frame = pd.DataFrame({"id": data.get("ids", np.arange(len(features)))})
    if "labels" in data:
        frame["label"] = data["labels"]
    for key in sorted(k for k in data if k.startswith("factor_")):
        frame[key.removeprefix("factor_")] = data[key]
    feature_frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(features.shape[1])])
    buffer = io.StringIO()
    pd.concat([frame, feature_frame], axis=1).to_csv(buffer, index=False)
    return buffer.getvalue()


def metrics_csv(store: RunStore) -> str:
    buffer = io.StringIO()
    pd.DataFrame(store.metrics()).to_csv(buffer, index=False)
    return buffer.getvalue()


def render(store: RunStore) -> None:
    """Six download buttons in two rows; each is disabled when its file does not exist yet."""
    run_id = store.run_id
    weights, embeddings, metrics, config = st.columns(4)
    weights.download_button(
        "Backbone weights (.safetensors)",
        lambda: api.export_safetensors(store.path),
        file_name=f"{run_id}-backbone.safetensors",
        mime="application/octet-stream",
        disabled=not store.checkpoint_path().exists(),
        icon=":material/download:",
        on_click="ignore",
        key=f"dl-weights-{run_id}",
    )
    embeddings.download_button(
        "Embeddings (.csv)",
        lambda: embeddings_csv(store),
        file_name=f"{run_id}-embeddings.csv",
        mime="text/csv",
        disabled=not store.embedding_steps(),
        icon=":material/download:",
        on_click="ignore",
        key=f"dl-embeddings-{run_id}",
    )
    metrics.download_button(
        "Metrics (.csv)",
        lambda: metrics_csv(store),
        file_name=f"{run_id}-metrics.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"dl-metrics-{run_id}",
    )
    config.download_button(
        "Config (.json)",
        json.dumps(store.config() or {}, indent=2),
        file_name=f"{run_id}-config.json",
        mime="application/json",
        icon=":material/download:",
        on_click="ignore",
        key=f"dl-config-{run_id}",
    )
    has_weights = store.checkpoint_path().exists()
    backbone = (store.config() or {}).get("backbone", {}).get("name", "")
    torchvision, projector, _, _ = st.columns(4)
    torchvision.download_button(
        "For torchvision (.zip)",
        lambda: api.export_archive(store.path, "torchvision"),
        file_name=f"{run_id}-torchvision.zip",
        mime="application/zip",
        disabled=not has_weights or backbone not in api.torchvision_backbones(),
        help="A state dict that a stock torchvision model loads with strict=True, and the lines "
        f"that build it ({', '.join(api.torchvision_backbones())}; other backbones: the "
        ".safetensors file).",
        icon=":material/download:",
        on_click="ignore",
        key=f"dl-torchvision-{run_id}",
    )
    projector.download_button(
        "TensorBoard projector (.zip)",
        lambda: api.export_archive(store.path, "projector"),
        file_name=f"{run_id}-projector.zip",
        mime="application/zip",
        disabled=not store.embedding_steps(),
        help="The latest embeddings with labels, factors and thumbnails: unzip into a folder "
        "and run tensorboard --logdir on it (the Projector tab).",
        icon=":material/download:",
        on_click="ignore",
        key=f"dl-projector-{run_id}",
    )
