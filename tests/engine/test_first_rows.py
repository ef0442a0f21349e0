"""The first things a viewer of a run sees: a loss row at step 1, then the untrained network's
record (step 0) and the first views, and a time left that does not jump.

The order is what issue 21 asks of Start (a first loss point within a couple of seconds): the
record of the untrained network costs as much as a few steps, so it comes after the first row,
from weights kept aside, and must leave training exactly as it would have been.
"""

from __future__ import annotations

import torch

from sslcore.eval.features import extract_features
from sslcore.objectives.base import ImageSpec
from sslcore.train import Trainer
from sslcore.train.build import build_objective
from sslcore.train.recorder import Recorder
from sslcore.train.time_left import time_left


def test_the_first_loss_row_comes_first_then_step_0_and_the_views(tmp_path, tiny_config, new_store):
    config = tiny_config(**{"optim.precision": "fp32"})  # log every 5, monitor every 10
    store = new_store(tmp_path, config)
    Trainer(config, store).run()
    rows = store.metrics()
    assert rows[0]["step"] == 1 and "loss" in rows[0]  # the first row: the first step's loss
    assert rows[1]["step"] == 0 and "knn_accuracy" in rows[1]  # then the untrained network
    assert [r["step"] for r in rows if "loss" in r] == [1, 5, 10, 15, 20]
    assert store.snapshot_steps("views") == [1, 10, 20]  # pictures from the first step on
    assert store.snapshot_steps("originals") == [1, 10, 20]
    # Step 0 is the network as it was built (seeded), not after the first update.
    step_0 = store.load_embeddings(0)
    assert step_0 is not None
    untrained = build_objective(config, ImageSpec(3, config.data.image_size))
    probe = torch.from_numpy(step_0["images"]).permute(0, 3, 1, 2)  # (N, C, H, W) uint8
    expected = extract_features(untrained.encode, probe)
    torch.testing.assert_close(torch.from_numpy(step_0["features"]), expected)


def test_recording_step_0_after_the_first_step_leaves_training_alone(
    tmp_path, tiny_config, new_store, monkeypatch
):
    """The weights go back to the untrained ones for the record and forward again after:
    every later loss is what a run without that record computes, to the bit."""
    config = tiny_config(**{"monitor.log_every": 1, "optim.steps": 12})
    recorded = new_store(tmp_path, config, "recorded")
    Trainer(config, recorded).run()
    monkeypatch.setattr(Recorder, "keep_initial", lambda self, objective: None)
    unrecorded = new_store(tmp_path, config, "unrecorded")
    Trainer(config, unrecorded).run()
    assert recorded.embedding_steps() == [0, 10, 12] and unrecorded.embedding_steps() == [10, 12]

    def losses(store):
        return [r["loss"] for r in store.metrics() if "loss" in r]

    assert losses(recorded) == losses(unrecorded)


def test_each_rows_time_left_is_the_dashboards(tmp_path, tiny_config, new_store):
    """One rule for the time left: each row's ``eta_s`` (the command line's, status.json's) is
    :func:`time_left` over the rows written so far, as the Train page computes it."""
    config = tiny_config(**{"monitor.log_every": 2})
    store = new_store(tmp_path, config)
    Trainer(config, store).run()
    rows = store.metrics()
    timed = [i for i, r in enumerate(rows) if "loss" in r]
    for i in timed:
        assert rows[i]["eta_s"] == time_left(rows[: i + 1], config.optim.steps)
    assert rows[timed[-1]]["eta_s"] == 0.0
