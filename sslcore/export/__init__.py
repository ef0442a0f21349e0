"""Take the representation out: a run's backbone and embeddings in formats other tools read.

Three formats, each written into a folder by :func:`export_run`:

- ``safetensors``: the backbone's weights, pickle-free (``backbone.safetensors``); load them
  back with :func:`sslcore.load_backbone` or any safetensors reader.
- ``torchvision``: a state dict that a stock torchvision ResNet or VisionTransformer, rebuilt
  by the few lines written beside it, loads with ``strict=True``
  (:mod:`sslcore.export.torchvision_format`).
- ``projector``: the latest embeddings for TensorBoard's Embedding Projector
  (:mod:`sslcore.export.projector`).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import torch

from sslcore.checkpoint import export_safetensors, load_checkpoint, trained_backbone
from sslcore.export.projector import write_projector
from sslcore.export.torchvision_format import (
    WEIGHTS_FILE,
    check_supported,
    loading_code,
    torchvision_state_dict,
)
from sslcore.store import RunStore, atomic_open


def write_safetensors(run_dir: str | Path, out_dir: Path) -> list[Path]:
    """``backbone.safetensors``: the backbone's weights, with its name and step as metadata."""
    path = out_dir / "backbone.safetensors"
    blob = export_safetensors(run_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "wb") as handle:
        handle.write(blob)
    return [path]


def write_torchvision(run_dir: str | Path, out_dir: Path) -> list[Path]:
    """``backbone-torchvision.pt`` (a plain state dict) and ``backbone-torchvision.py`` (the lines
    that build the torchvision model and load it, with the preprocessing)."""
    store = RunStore(Path(run_dir))
    check_supported(store.readable_config()["backbone"]["name"])  # before reading the weights
    state = load_checkpoint(store.checkpoint_path())
    backbone, run_config = trained_backbone(state)
    weights = torchvision_state_dict(run_config.backbone.name, backbone.state_dict())
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_open(out_dir / WEIGHTS_FILE, "wb") as handle:
        torch.save(weights, handle)
    code = out_dir / Path(WEIGHTS_FILE).with_suffix(".py")
    with atomic_open(code, "w") as handle:
        handle.write(loading_code(run_config, state["image"]["channels"]))
    return [out_dir / WEIGHTS_FILE, code]


EXPORTERS: dict[str, Callable[[str | Path, Path], list[Path]]] = {
    "safetensors": write_safetensors,
    "torchvision": write_torchvision,
    "projector": write_projector,
}
FORMATS = tuple(EXPORTERS)


def export_run(run_dir: str | Path, fmt: str, out_dir: str | Path) -> list[Path]:
    """Export a run in format ``fmt`` (one of :data:`FORMATS`) into ``out_dir``; the files written.

    Raises:
        ValueError: an unknown format, or a backbone the format does not support.
        FileNotFoundError: the run has no checkpoint (weights) or no embeddings (projector).
    """
    if fmt not in EXPORTERS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not RunStore(Path(run_dir)).exists():
        raise FileNotFoundError(f"{run_dir} is not a run directory (no config.json)")
    return EXPORTERS[fmt](run_dir, Path(out_dir))


def export_archive(run_dir: str | Path, fmt: str) -> bytes:
    """The files of :func:`export_run` as one zip archive, for a download button."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in export_run(run_dir, fmt, Path(folder)):
                archive.write(path, path.name)
    return buffer.getvalue()


__all__ = ["FORMATS", "export_archive", "export_run"]
