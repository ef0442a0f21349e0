"""TensorBoard scalars: ``monitor.tensorboard`` copies every metrics row where TensorBoard
reads it."""

from __future__ import annotations

import sys

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from sslcore.config import ConfigError
from sslcore.store import RunStore
from sslcore.train import Trainer
from sslcore.train.scalars import Scalars, tag_of


def scalars_of(store: RunStore) -> dict[str, list[tuple[int, float]]]:
    """Every scalar TensorBoard finds in the run's folder: tag -> [(step, value)]."""
    events = EventAccumulator(str(store.path), size_guidance={"scalars": 0})
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)]
            for tag in events.Tags()["scalars"]}  # fmt: skip


def test_every_metric_row_is_a_scalar_at_its_step(tmp_path, new_store, tiny_config):
    store = new_store(tmp_path, tiny_config("vicreg", **{"monitor.tensorboard": True}))
    Trainer(tiny_config("vicreg", **{"monitor.tensorboard": True}), store).run()
    scalars = scalars_of(store)
    rows = [r for r in store.metrics() if "loss" in r]
    assert [s for s, _ in scalars["loss/total"]] == [r["step"] for r in rows]
    assert [v for _, v in scalars["loss/total"]] == pytest.approx([r["loss"] for r in rows])
    assert {"loss/invariance", "loss/variance", "loss/covariance", "optim/lr"} <= set(scalars)
    assert {"monitor/knn_accuracy", "speed/images_per_s"} <= set(scalars)
    assert not any(tag.endswith(("time", "eta_s")) for tag in scalars)


def test_off_by_default_and_a_clear_error_without_tensorboard(
    tmp_path, monkeypatch, new_store, tiny_config
):
    store = new_store(tmp_path, tiny_config(**{"optim.steps": 5}))
    Trainer(tiny_config(**{"optim.steps": 5}), store).run()
    assert not list(store.path.glob("events.out.tfevents.*"))
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # not installed
    with pytest.raises(ConfigError, match="monitor.tensorboard: needs TensorBoard"):
        Scalars(tmp_path, enabled=True)


def test_a_resume_purges_what_came_after_the_checkpoint(tmp_path, tiny_config, new_store):
    config = tiny_config(**{"monitor.tensorboard": True, "optim.steps": 20})
    store = new_store(tmp_path, config)
    Trainer(config, store).run()
    assert [s for s, _ in scalars_of(store)["loss/total"]] == [1, 5, 10, 15, 20]
    log = Scalars(store.path, enabled=True, start_step=10)  # as a resume from step 10 opens it
    log.write({"step": 15, "loss": 123.0})
    log.close()
    assert scalars_of(store)["loss/total"][2:] == [(15, 123.0)]  # 10 and 20 of the first pass gone


def test_tags_group_the_figures() -> None:
    keys = ("loss", "comp_cosine", "lr", "knn_accuracy", "step_time_s")
    tags = ["loss/total", "loss/cosine", "optim/lr", "monitor/knn_accuracy", "speed/step_time_s"]
    assert [tag_of(k) for k in keys] == tags
