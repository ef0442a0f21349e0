"""The notebook API: sslcore.train -> Run; metrics, embeddings, evaluate, backbone, control."""

from __future__ import annotations

import pytest
import torch

import sslcore
from sslcore.api import Run, build_config, load_run, runs
from sslcore.config import ConfigError
from sslcore.jobs import get_manager


@pytest.fixture
def short(tiny):
    """A tiny run's dotted settings as the short keywords a notebook user would type."""
    return {key.rsplit(".", 1)[-1]: value for key, value in tiny.items()}


@pytest.fixture
def runs_dir(tmp_path):
    folder = tmp_path / "runs"
    yield folder
    get_manager(folder).shutdown()


def test_a_run_from_train_to_backbone(runs_dir, tiny, short):
    run = sslcore.train(objective="simclr", runs_dir=runs_dir, temperature=0.3, **short)
    assert run.wait(timeout=120) is run
    assert run.status.state == "finished" and run.status.done
    assert run.status.step == run.status.total_steps == tiny["optim.steps"]
    assert run.config.objective.params["temperature"] == 0.3

    metrics = run.metrics
    assert metrics["step"].is_unique  # the monitor's line of a step is merged into its row
    assert metrics.dropna(subset=["loss"])["step"].tolist() == [1, 5, 10, 15, 20]
    assert metrics["knn_accuracy"].notna().sum() == 3  # steps 0, 10 and 20
    arrays = run.embeddings()
    assert arrays["features"].shape[0] == arrays["labels"].shape[0] == tiny["monitor.probe_size"]
    assert set(run.embeddings(step=10)) == set(arrays)
    with pytest.raises(LookupError, match="recorded steps: \\[0, 10, 20\\]"):
        run.embeddings(step=7)

    result = run.evaluate("knn", k=5)
    assert 0 <= result["accuracy"] <= 1 and result["k"] == 5
    assert (run.path / "eval" / "knn.json").is_file()
    backbone = run.backbone()
    assert backbone(torch.rand(2, 3, 16, 16)).shape == (2, backbone.out_dim)

    text = repr(run)
    assert run.id in text and "finished" in text and "step 20/20" in text and "loss " in text
    assert load_run(run.path) == run == load_run(run.id, runs_dir=runs_dir)
    assert runs(runs_dir) == [run]


def test_pause_stop_and_resume_for_more_steps(runs_dir, short, wait_until):
    run = sslcore.train(objective="simclr", runs_dir=runs_dir, **{**short, "steps": 2000})
    manager = get_manager(runs_dir)
    run.pause()
    assert wait_until(lambda: run.status.state == "paused")
    step = run.status.step
    run.resume()
    assert wait_until(lambda: run.status.step > step)
    run.stop().wait(timeout=60)
    assert run.status.state == "stopped"
    stopped_at = run.status.step
    run.resume(steps=stopped_at + 10).wait(timeout=120)
    assert run.status.state == "finished" and run.status.step == stopped_at + 10
    assert not manager.is_live(run.id)


def test_wait_has_a_timeout(runs_dir, short):
    run = sslcore.train(objective="simclr", runs_dir=runs_dir, **{**short, "steps": 2000})
    with pytest.raises(TimeoutError, match="still"):
        run.wait(timeout=0.2)
    run.stop().wait(timeout=60)


def test_keywords_name_fields_sections_and_hyperparameters():
    cfg = build_config(objective="byol", steps=7, lr=0.01, backbone="resnet18", name="mine",
                       momentum_end=0.99, **{"augment.hue_jitter": 0.0})  # fmt: skip
    assert (cfg.optim.steps, cfg.optim.lr, cfg.backbone.name, cfg.name) == (7, 0.01, "resnet18",
                                                                             "mine")  # fmt: skip
    assert cfg.objective.name == "byol" and cfg.objective.params["momentum_end"] == 0.99
    assert cfg.augment.hue_jitter == 0.0 and cfg.augment.preset == "byol"
    assert build_config(augment="none").augment.crop_scale_min == 1.0
    # A config keeps its settings unless an objective asks for that method's recipe.
    assert build_config(cfg, seed=3).backbone.name == "resnet18"
    assert build_config(cfg, objective="simclr").backbone.name != "resnet18"


def test_the_dataset_is_set_before_the_recipe(tmp_path, write_photos):
    photos = write_photos(tmp_path / "photos.npz")
    cfg = build_config(objective="simclr", dataset=photos)
    assert cfg.data.dataset == photos and cfg.optim.optimizer == "sgd"  # lightly's photo recipe


def test_unknown_and_ambiguous_keywords_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="stepz: is not a setting of the run or of simclr"):
        build_config(stepz=3)
    with pytest.raises(ConfigError, match="optim.lr: 0.0 is not allowed"):
        build_config(lr=0)
    with pytest.raises(ConfigError, match="optim.momentum, objective.params.momentum"):
        build_config(objective="byol", momentum=0.9)  # the optimizer's, or the EMA teacher's?
    with pytest.raises(ConfigError, match="objective.name: 'simclrr' is not a known objective"):
        build_config(objective="simclrr", steps=3)
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        load_run(tmp_path / "nothing")


def test_the_package_exports_the_api():
    from sslcore.train import Trainer

    assert sslcore.Run is Run and sslcore.load_run is load_run and sslcore.runs is runs
    # sslcore.train is the training package (imported here long before) and answers the call.
    assert sslcore.train.Trainer is Trainer and callable(sslcore.train)
    assert "train" in sslcore.__all__
