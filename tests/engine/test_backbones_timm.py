"""backbone.name = timm:<model>: any timm model as the backbone; a clear refusal when not."""

from __future__ import annotations

import sys

import pytest
import torch

from sslcore.backbones import build_backbone
from sslcore.backbones.base import to_signed
from sslcore.backbones.timm_backbone import _timm_models
from sslcore.checkpoint import load_backbone
from sslcore.config import BackboneConfig, ConfigError
from sslcore.train import Trainer

pytest.importorskip("timm")


def test_a_timm_model_is_a_backbone_with_its_width_and_the_labs_input_range():
    backbone = build_backbone(BackboneConfig(name="timm:test_resnet"), channels=1, image_size=16)
    x = torch.rand(2, 1, 16, 16)
    backbone.eval()
    h = backbone(x)
    assert h.shape == (2, backbone.out_dim) == (2, backbone.net.num_features)
    assert torch.allclose(h, backbone.net(to_signed(x)))  # [0, 1] images are seen in [-1, 1]


def test_the_width_is_what_forward_returns_past_a_pre_logits_layer():
    backbone = build_backbone(BackboneConfig(name="timm:mobilenetv3_small_050"), 3, 32).eval()
    assert backbone(torch.rand(2, 3, 32, 32)).shape == (2, backbone.out_dim)
    assert backbone.out_dim != backbone.net.num_features  # 1024 after its head, 288 before


def test_a_vit_of_fixed_input_size_is_built_for_the_runs_images():
    backbone = build_backbone(BackboneConfig(name="timm:test_vit"), 3, 48).eval()
    assert backbone(torch.rand(2, 3, 48, 48)).shape == (2, backbone.out_dim)


def test_simclr_trains_a_timm_backbone_and_its_checkpoint_loads(tmp_path, tiny_config, new_store):
    # fp32: under bf16 autocast this tiny test model's loss turned NaN at step 5 in some runs
    # of a process (not in the first), a flake the test is not about.
    changes = {"backbone.name": "timm:test_resnet", "optim.precision": "fp32"}
    config = tiny_config("simclr", **changes, **{"optim.steps": 6, "monitor.eval_every": 3})
    store = new_store(tmp_path, config)
    summary = Trainer(config, store).run()
    assert summary["state"] == "finished" and store.status()["step"] == 6
    assert [m["step"] for m in store.metrics() if "knn_accuracy" in m] == [0, 3, 6]
    backbone, loaded = load_backbone(store.path)
    assert loaded.backbone.name == "timm:test_resnet"
    assert backbone(torch.rand(2, 3, 16, 16)).shape == (2, backbone.out_dim)


def test_an_unknown_model_names_the_field_and_the_closest_names():
    with pytest.raises(ConfigError, match="not a timm model: did you mean resnet10t") as err:
        BackboneConfig(name="timm:resnet10x")
    assert err.value.field == "backbone.name"
    assert "timm.list_models()" in str(err.value)


def test_an_unknown_plain_name_lists_the_timm_form_too():
    with pytest.raises(ConfigError, match="convnet, .*, timm:<name>"):
        BackboneConfig(name="resnet7")


def test_without_timm_the_message_says_how_to_install_it(monkeypatch):
    _timm_models.cache_clear()
    monkeypatch.setitem(sys.modules, "timm", None)  # import timm now raises ImportError
    try:
        with pytest.raises(ConfigError, match=r"needs timm, .*pip install 'ssl-lab\[timm\]'"):
            BackboneConfig(name="timm:resnet10t")
    finally:
        _timm_models.cache_clear()
