"""Runs saved before a method gained weights still load: evaluated, and resumed.

The autoregressive model gained a learned null condition (unconditional samples) and the
VQ-VAE a prior over its codes after runs of them had been saved. Their checkpoints lack those
weights; ``Objective.added_weights`` names them, so the rest loads and they start fresh.
"""

from __future__ import annotations

import pytest
import torch

from sslcore.checkpoint import CheckpointError, load_checkpoint, load_objective, save_checkpoint
from sslcore.train import RunControl, Trainer

OLDER = {"autoregressive": "null_condition", "vqvae": "prior."}


def make_it_older(path, prefix: str) -> None:
    """The checkpoint at ``path`` as it was before the weights under ``prefix`` existed."""
    state = load_checkpoint(path)
    state["objective"] = {k: v for k, v in state["objective"].items() if not k.startswith(prefix)}
    state["optimizer"]["state"] = {}  # fewer parameters then; restore must not read it
    save_checkpoint(path, state)


@pytest.mark.parametrize("objective", sorted(OLDER))
def test_an_older_checkpoint_is_evaluated_and_resumed(tmp_path, tiny_config, new_store, objective):
    changes = {"optim.steps": 8, "monitor.log_every": 2, "monitor.checkpoint_every": 4}
    config = tiny_config(objective, **changes)
    store = new_store(tmp_path, config)
    control = RunControl()
    stop_at_4 = lambda row: control.stop() if row["step"] == 4 else None  # noqa: E731
    assert Trainer(config, store, control, on_progress=stop_at_4).run()["state"] == "stopped"
    make_it_older(store.checkpoint_path(), OLDER[objective])

    model, _ = load_objective(store.path)  # what an evaluation loads
    assert model.encode(torch.rand(2, 3, 16, 16)).shape[0] == 2

    assert Trainer(config, store).run(resume=True)["state"] == "finished"
    warnings = [e["message"] for e in store.events() if e["level"] == "warning"]
    assert any(f"predates {OLDER[objective]}" in m and "optimizer" in m for m in warnings)
    assert load_checkpoint(store.checkpoint_path())["step"] == 8


def test_a_checkpoint_missing_other_weights_is_refused_by_name(tmp_path, tiny_config, new_store):
    config = tiny_config("autoregressive", **{"optim.steps": 2})
    store = new_store(tmp_path, config)
    Trainer(config, store).run()
    state = load_checkpoint(store.checkpoint_path())
    name = next(k for k in state["objective"] if k.startswith("backbone."))
    del state["objective"][name]
    save_checkpoint(store.checkpoint_path(), state)
    with pytest.raises(CheckpointError, match=name.replace(".", r"\.")):
        load_objective(store.path)
