"""Starting from weights: another run's backbone exactly, ImageNet's from the local torch cache."""

from __future__ import annotations

import pytest
import torch
from torchvision.models import resnet18

from sslcore.backbones import build_backbone
from sslcore.checkpoint import load_backbone
from sslcore.config import ConfigError, replace
from sslcore.objectives.base import ImageSpec
from sslcore.train import Trainer
from sslcore.train.build import build_objective
from sslcore.transfer.imagenet import MissingWeightsError, imagenet_weights_path
from sslcore.transfer.init import initialise_backbone

RGB16 = ImageSpec(channels=3, size=16)


@pytest.fixture(scope="module")
def source_run(tmp_path_factory, new_store, tiny_config):
    """A tiny SimCLR run on RGB shapes (convnet, width 8, 16 px)."""
    torch.set_num_threads(1)
    store = new_store(tmp_path_factory.mktemp("runs"), tiny_config(**{"optim.steps": 4}), "src")
    Trainer(tiny_config(**{"optim.steps": 4}), store).run()
    return store


def test_initialising_from_a_run_reproduces_its_backbone_exactly(source_run, tiny_config):
    trained, _ = load_backbone(source_run.path)
    config = tiny_config(**{"backbone.init_from": f"run:{source_run.path}", "seed": 7})
    reports = []
    objective = build_objective(config, RGB16, reports.append)
    mine, theirs = objective.backbone.state_dict(), trained.state_dict()
    assert mine.keys() == theirs.keys()
    assert all(torch.equal(mine[k], theirs[k]) for k in mine)
    (report,) = reports
    assert report.source == "run" and report.step == 4 and report.loaded == len(theirs)


def test_a_run_id_is_found_in_the_runs_folder(source_run, monkeypatch, tiny_config):
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(source_run.path.parent))
    config = tiny_config(**{"backbone.init_from": "run:src"})
    backbone = build_backbone(config.backbone, 3, 16)
    assert initialise_backbone(backbone, config.backbone).reference.endswith("src")


def test_a_run_started_from_weights_records_where_they_came_from(
    source_run, tmp_path, tiny_config, new_store
):
    config = tiny_config(**{"backbone.init_from": f"run:{source_run.path}", "optim.steps": 2})
    store = new_store(tmp_path, config, "child")
    Trainer(config, store).run()
    init = store.status()["init"]
    assert init["source"] == "run" and init["reference"] == str(source_run.path)
    assert any("initialised from run src (step 4)" in e["message"] for e in store.events())
    assert store.config()["backbone"]["init_from"] == f"run:{source_run.path}"


def test_grey_images_get_the_first_convolution_summed_over_colours(source_run, tiny_config):
    trained, _ = load_backbone(source_run.path)
    config = tiny_config(**{"backbone.init_from": f"run:{source_run.path}"})
    grey = build_backbone(config.backbone, 1, 16)
    report = initialise_backbone(grey, config.backbone)
    first = "features.0.weight"
    rgb_weight = trained.state_dict()[first]
    assert torch.allclose(grey.state_dict()[first], rgb_weight.sum(dim=1, keepdim=True))
    assert report.adapted == (f"{first} (3 -> 1 input channels, summed)",)
    # Same response: a grey image seen by the grey net, and replicated to RGB by the RGB net.
    x = torch.rand(2, 1, 16, 16)
    torch.testing.assert_close(grey.eval()(x), trained.eval()(x.expand(-1, 3, -1, -1)))


def test_another_backbone_or_other_shapes_are_refused_clearly(source_run, tiny_config):
    wider = tiny_config(**{"backbone.init_from": f"run:{source_run.path}", "backbone.width": 16})
    with pytest.raises(ConfigError, match="other shapes than this one.*same backbone settings"):
        initialise_backbone(build_backbone(wider.backbone, 3, 16), wider.backbone)
    mlp = tiny_config(**{"backbone.init_from": f"run:{source_run.path}", "backbone.name": "mlp"})
    with pytest.raises(ConfigError, match="trained a convnet backbone, this run builds a mlp"):
        initialise_backbone(build_backbone(mlp.backbone, 3, 16), mlp.backbone)


def test_a_missing_run_names_both_places_looked_in(tmp_path, monkeypatch, tiny_config):
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(tmp_path))
    config = tiny_config(**{"backbone.init_from": "run:ghost"})
    with pytest.raises(
        ConfigError, match=f"backbone.init_from: 'run:ghost' names no run.*{tmp_path}"
    ):
        initialise_backbone(build_backbone(config.backbone, 3, 16), config.backbone)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("pretrained", "use scratch, imagenet, or run:<run id or run directory>"),
        ("run:  ", "is not allowed"),
        ("imagenet", "ImageNet weights exist for resnet18, resnet34, resnet50 only, not convnet"),
    ],
)
def test_bad_init_from_values_are_config_errors(value, message, tiny_config):
    with pytest.raises(ConfigError, match="backbone.init_from") as caught:
        tiny_config(**{"backbone.init_from": value})
    assert message in str(caught.value)


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    return tmp_path


def test_imagenet_weights_load_from_the_torch_cache_except_stem_and_classifier(
    torch_home, tiny_config
):
    path = imagenet_weights_path("resnet18")
    assert path == torch_home / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    path.parent.mkdir(parents=True)
    torch.manual_seed(1)
    published = resnet18().state_dict()  # stands in for the ImageNet file, same layout
    torch.save(published, path)
    config = replace(
        tiny_config(), **{"backbone.name": "resnet18", "backbone.init_from": "imagenet"}
    )
    backbone = build_backbone(config.backbone, 3, 16)
    report = initialise_backbone(backbone, config.backbone)
    mine = backbone.state_dict()
    for name in ("layer1.0.conv1.weight", "layer4.1.bn2.running_var", "bn1.weight"):
        assert torch.equal(mine[f"net.{name}"], published[name])
    assert report.source == "imagenet" and report.reference == str(path)
    assert report.loaded == len(published) - 3  # all but conv1.weight, fc.weight, fc.bias
    assert (
        report.skipped[0]
        == "net.conv1.weight (shape (64, 3, 7, 7) in the source, (64, 3, 3, 3) here)"
    )
    assert set(report.skipped[1:]) == {"net.fc.weight (not in this backbone)",
                                       "net.fc.bias (not in this backbone)"}  # fmt: skip
    assert report.kept == ()  # conv1 is counted as skipped: it keeps its random weights
    assert "skipped net.conv1.weight" in report.describe()


def test_missing_imagenet_weights_say_where_and_how(torch_home, tiny_config):
    config = replace(
        tiny_config(), **{"backbone.name": "resnet18", "backbone.init_from": "imagenet"}
    )
    with pytest.raises(MissingWeightsError) as caught:
        initialise_backbone(build_backbone(config.backbone, 3, 16), config.backbone)
    message = str(caught.value)
    assert str(torch_home / "hub" / "checkpoints" / "resnet18-f37072fd.pth") in message
    assert "https://download.pytorch.org/models/resnet18-f37072fd.pth" in message
    assert "data.download = true" in message
