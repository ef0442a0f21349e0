"""Evaluating a run in the background, and taking its weights out: what the Evaluate page does.

An evaluation started here runs in a thread of this process (:mod:`sslcore.eval_jobs`) and
records its state in the run directory (``eval/jobs/<name>.json``), so every page and every
reader sees it running, then its result in ``eval/<protocol>.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sslcore import eval_jobs
from sslcore.checkpoint import export_safetensors
from sslcore.data import DATASET_NAMES
from sslcore.data.modality import modality_called
from sslcore.eval.perplexity import LANGUAGE_MODELS
from sslcore.eval_jobs import EvaluationBusy
from sslcore.export import export_archive
from sslcore.export.torchvision_format import SUPPORTED
from sslcore.run_card import RunCard

__all__ = [
    "EvaluationBusy",
    "evaluation_progress",
    "evaluation_running",
    "export_archive",
    "export_safetensors",
    "last_evaluation",
    "protocols",
    "start_evaluation",
    "torchvision_backbones",
    "transfer_datasets",
]


def protocols(card: RunCard) -> list[str]:
    """The protocols that apply to the run: every image one but perplexity for images; for
    text kNN, linear, collapse, and perplexity when the method is a language model."""
    applies = modality_called(card.modality).protocols
    return [p for p in applies if p != "perplexity" or card.method.name in LANGUAGE_MODELS]


def transfer_datasets(card: RunCard) -> list[str]:
    """The built-in datasets an image run can be evaluated on besides its own (none for text)."""
    own = card.data.dataset
    if not modality_called(card.modality).has_views:
        return []
    return [n for n in DATASET_NAMES if n != own]


def start_evaluation(
    run_dir: str | Path,
    protocol: str,
    labels_fraction: float | None = None,
    dataset: str | None = None,
) -> dict[str, Any]:
    """Start evaluating the run in a background thread; return its status (state running).

    Raises:
        EvaluationBusy: an evaluation of this run is running already.
        FileNotFoundError: the run directory is gone.
    """
    return eval_jobs.start(run_dir, protocol, labels_fraction=labels_fraction, dataset=dataset)


def last_evaluation(run_dir: str | Path) -> dict[str, Any] | None:
    """The most recently started evaluation (``state``: running, finished or failed), or None."""
    return eval_jobs.latest(run_dir)


def evaluation_running(run_dir: str | Path) -> bool:
    """Whether an evaluation of the run is running now."""
    return eval_jobs.running(run_dir) is not None


def evaluation_progress(status: dict[str, Any]) -> float | None:
    """A running evaluation's share done (by time against the last time, at most 0.99)."""
    return eval_jobs.progress(status)


def torchvision_backbones() -> tuple[str, ...]:
    """The backbones whose weights export as a torchvision model's state dict."""
    return tuple(SUPPORTED)
