"""A tiny text run (a second or two on a 2-core CPU) for the evaluation and dashboard tests."""

from __future__ import annotations

from pathlib import Path

from engine_helpers import new_store

from sslcore.config import RunConfig, replace
from sslcore.recipes import recipe_config
from sslcore.store import RunStore
from sslcore.train import Trainer

TEXT_TINY = {
    "data.context_length": 16,
    "data.tokenizer": "words",
    "backbone.vit_dim": 32,
    "backbone.vit_heads": 2,
    "backbone.vit_depth": 1,
    "optim.batch_size": 16,
    "optim.steps": 4,
    "optim.warmup_steps": 1,
    "monitor.eval_every": 4,
    "monitor.log_every": 2,
    "monitor.checkpoint_every": 4,
    "monitor.probe_size": 48,
    "num_threads": 1,
}


def tiny_text_config(objective: str = "mlm", **changes: object) -> RunConfig:
    """The text objective's recipe on ``stdlib_docs``, shrunk to a few steps."""
    return replace(recipe_config(objective), **{**TEXT_TINY, **changes})


def finished_text_run(runs_dir: Path, objective: str = "mlm", name: str = "text") -> RunStore:
    """A finished tiny text run (checkpoint, embeddings with texts, text snapshots)."""
    config = tiny_text_config(objective)
    store = new_store(runs_dir, config, name)
    summary = Trainer(config, store).run()
    assert summary["state"] == "finished", summary
    return store
