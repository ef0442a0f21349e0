"""The training loop: records, checkpoints, resumes exactly, and stops on divergence."""

from __future__ import annotations

import json

import pytest
import torch

from sslcore.checkpoint import CheckpointError, load_backbone, load_checkpoint
from sslcore.train import RunControl, Trainer


def losses(store) -> list[float]:
    return [m["loss"] for m in store.metrics() if "loss" in m]


def test_a_run_writes_the_whole_run_directory(tmp_path, tiny_config, new_store):
    config = tiny_config()
    store = new_store(tmp_path, config)
    summary = Trainer(config, store).run()
    assert summary["state"] == "finished"
    status = store.status()
    assert status["state"] == "finished" and status["step"] == 20
    rows = store.metrics()
    logged = [m for m in rows if "loss" in m]
    assert [m["step"] for m in logged] == [1, 5, 10, 15, 20]  # the first step, then every 5
    for m in logged:
        assert {"lr", "images_per_s", "eta_s", "collapse_std", "data_time_s"} <= set(m)
        assert any(k.startswith("comp_") for k in m)
    monitored = [m for m in rows if "knn_accuracy" in m]
    assert [m["step"] for m in monitored] == [0, 10, 20]
    assert store.embedding_steps() == [0, 10, 20]
    emb = store.load_embeddings()
    assert emb["features"].shape[0] == 64 and emb["images"].shape == (64, 16, 16, 3)
    assert {"labels", "ids", "factor_shape", "factor_colour"} <= set(emb) or "labels" in emb
    assert "views" in store.snapshot_names()
    assert store.load_snapshot("views")["images"].dtype.name == "uint8"
    state = torch.load(store.checkpoint_path(), weights_only=True)
    assert state["step"] == 20
    backbone, loaded = load_backbone(store.path)
    assert loaded == config
    assert backbone(torch.rand(2, 3, 16, 16)).shape == (2, backbone.out_dim)


def test_resume_continues_the_same_curve(tmp_path, tiny_config, new_store):
    straight_cfg = tiny_config()
    straight = new_store(tmp_path, straight_cfg, "straight")
    Trainer(straight_cfg, straight).run()

    half_cfg = tiny_config(**{"optim.steps": 20})
    half = new_store(tmp_path, half_cfg, "half")
    # Stop at step 10 through the control, exactly as the job manager does.
    control = RunControl()
    stop_at_10 = lambda row: control.stop() if row["step"] == 10 else None  # noqa: E731
    assert Trainer(half_cfg, half, control, on_progress=stop_at_10).run()["state"] == "stopped"
    assert load_checkpoint(half.checkpoint_path())["step"] == 10
    assert Trainer(half_cfg, half).run(resume=True)["state"] == "finished"
    assert losses(half) == pytest.approx(losses(straight), rel=1e-5, abs=1e-6)


def test_dropout_masks_do_not_depend_on_what_the_process_drew_before(
    tmp_path, new_store, tiny_text_config
):
    # SimCSE's views differ only by dropout, drawn from torch's global generator.
    config = tiny_text_config("simcse", **{"optim.steps": 6, "monitor.log_every": 1})
    first = new_store(tmp_path, config, "first")
    Trainer(config, first).run()
    torch.rand(1000)  # another computation in the same process between the two runs
    second = new_store(tmp_path, config, "second")
    Trainer(config, second).run()
    assert losses(second) == losses(first)

    half = new_store(tmp_path, config, "half")
    control = RunControl()
    stop_at_3 = lambda row: control.stop() if row["step"] == 3 else None  # noqa: E731
    assert Trainer(config, half, control, on_progress=stop_at_3).run()["state"] == "stopped"
    torch.rand(1000)
    assert Trainer(config, half).run(resume=True)["state"] == "finished"
    assert losses(half) == pytest.approx(losses(first), rel=1e-5, abs=1e-6)


def test_divergence_fails_with_advice_and_keeps_the_last_good_checkpoint(
    tmp_path, tiny_config, new_store
):
    config = tiny_config(
        **{
            "optim.lr": 1e6,
            "optim.steps": 40,
            "monitor.checkpoint_every": 1,
            "optim.warmup_steps": 0,
            "optim.optimizer": "sgd",
        }
    )
    store = new_store(tmp_path, config)
    summary = Trainer(config, store).run()
    assert summary["state"] == "failed"
    status = store.status()
    assert status["state"] == "failed"
    assert (
        "diverged at step" in status["message"] and "lower the learning rate" in status["message"]
    )
    state = load_checkpoint(store.checkpoint_path())
    assert all(
        torch.isfinite(v).all() for v in state["objective"].values() if v.is_floating_point()
    )
    assert json.loads((store.path / "config.json").read_text())["optim"]["lr"] == 1e6
    assert any(e["level"] == "error" for e in store.events())


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    bad = tmp_path / "last.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a safe SSL Lab checkpoint"):
        load_checkpoint(bad)


def test_a_pickle_payload_is_refused_not_executed(tmp_path):
    class Payload:
        def __reduce__(self):
            return (exec, ("import pathlib; pathlib.Path('pwned').touch()",))

    bad = tmp_path / "evil.pt"
    torch.save({"objective": Payload(), "step": 1}, bad)
    with pytest.raises(CheckpointError):
        load_checkpoint(bad)
    assert not (tmp_path / "pwned").exists()


def test_compile_on_the_cpu_trains_uncompiled_and_says_so(tmp_path, new_store, tiny_config):
    from sslcore.config import replace

    config = replace(tiny_config(), **{"optim.compile": True, "optim.steps": 5})
    store = new_store(tmp_path, config)
    assert Trainer(config, store).run()["state"] == "finished"
    assert any("optim.compile is for CUDA" in e["message"] for e in store.events())
