"""Every registered objective honours the Objective contract (a new method gets these for free).

Each objective is built with its default Config on a small backbone (the first one it is
compatible with) and run for two steps on random 16x16 images, or, for the text objectives, on
random token ids (a vocabulary of 40, sentences of 16 tokens, the last ones padding).
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

from sslcore.backbones import build_backbone
from sslcore.config import PRESETS, BackboneConfig, RunConfig, replace
from sslcore.objectives import OBJECTIVES, Objective
from sslcore.objectives.base import FAMILIES, ImageSpec, StepOutput, Visual
from sslcore.objectives.text_parts import TokenVisual
from sslcore.recipes import recipe_config

IMAGE = ImageSpec(channels=3, size=16)
TEXT = ImageSpec(channels=40, size=16)  # for text: vocabulary size and context length
BATCH = 8
SMALL_BACKBONES = {
    "convnet": BackboneConfig(name="convnet", width=8),
    "vit_tiny": BackboneConfig(name="vit_tiny", vit_depth=1, vit_dim=32, vit_heads=2),
    "text_transformer": BackboneConfig(
        name="text_transformer", vit_depth=1, vit_dim=32, vit_heads=2
    ),
}


def is_text(cls: type[Objective]) -> bool:
    return getattr(cls, "modality", "image") == "text"


def build(cls: type[Objective]) -> Objective:
    name = (cls.compatible_backbones or ("convnet",))[0]
    backbone_config = SMALL_BACKBONES.get(name, BackboneConfig(name=name, width=8))
    spec = TEXT if is_text(cls) else IMAGE
    torch.manual_seed(0)
    backbone = build_backbone(backbone_config, spec.channels, spec.size)
    return cls(backbone, cls.Config(), spec)


def random_views(n_views: int, text: bool = False) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    if text:  # the same token ids in every view (text passes through the augmenter)
        ids = torch.randint(3, TEXT.channels, (BATCH, TEXT.size), generator=generator)
        ids[:, -3:] = 0  # padding
        return [ids] * n_views
    shape = (BATCH, IMAGE.channels, IMAGE.size, IMAGE.size)
    return [torch.rand(shape, generator=generator) for _ in range(n_views)]


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_class_attributes_and_docs(name: str) -> None:
    cls = OBJECTIVES[name]
    assert cls.name == name
    assert cls.family in FAMILIES
    assert cls.n_views >= 1
    assert cls.default_augment in PRESETS
    assert "References" in (cls.__doc__ or "")
    fields = dataclasses.fields(cls.Config)
    for field in fields:
        assert field.metadata.get("label"), f"{name}.Config.{field.name} has no label"
        assert field.metadata.get("help"), f"{name}.Config.{field.name} has no help text"


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_recipe_is_a_valid_run_config(name: str) -> None:
    config = recipe_config(name)
    assert isinstance(config, RunConfig)
    assert config.objective.name == name
    for dotted, value in OBJECTIVES[name].recipe.items():
        node: object = config
        for key in dotted.split("."):
            node = node[key] if isinstance(node, dict) else getattr(node, key)  # params: a dict
        assert node == value, dotted
    replace(config, **{"data.image_size": config.data.image_size})  # still validates


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_two_training_steps(name: str) -> None:
    objective = build(OBJECTIVES[name])
    objective.train()
    trainable = [p for p in objective.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(trainable, lr=0.01)
    views = random_views(objective.n_views, is_text(OBJECTIVES[name]))
    for step in range(2):
        out = objective(views)
        assert isinstance(out, StepOutput)
        assert out.loss.dim() == 0 and torch.isfinite(out.loss), f"step {step}: {out.loss}"
        optimizer.zero_grad()
        out.loss.backward()
        grads = [p.grad for p in objective.backbone.parameters() if p.requires_grad]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), "no gradient reaches f"
        assert all(g is None or torch.isfinite(g).all() for g in grads)
        optimizer.step()
        objective.after_step((step + 1) / 2)
    assert out.components, "a loss should report at least one component"
    for key, value in out.components.items():
        assert isinstance(value, torch.Tensor) and value.dim() == 0, key
        assert value.is_floating_point() and torch.isfinite(value), key
        assert not value.requires_grad, key
    if out.embedding is not None:
        assert out.embedding.shape[0] == BATCH and out.embedding.dim() == 2
        assert not out.embedding.requires_grad


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_encode_and_visuals(name: str) -> None:
    objective = build(OBJECTIVES[name]).eval()
    x = random_views(1, is_text(OBJECTIVES[name]))[0]
    with torch.no_grad():
        h = objective.encode(x)
    assert h.shape == (BATCH, objective.backbone.out_dim)
    visuals = objective.visuals(x)
    assert isinstance(visuals, dict)
    for key, visual in visuals.items():
        assert isinstance(visual, Visual), key
        if isinstance(visual, TokenVisual):  # rows of token ids, shown as text
            assert visual.images.dim() == 2 and not visual.images.is_floating_point(), key
            assert visual.highlight is None or visual.highlight.shape == visual.images.shape
            assert visual.captions is not None and len(visual.captions) == len(visual.images)
            continue
        assert visual.images.dim() == 4, key
        assert 0.0 <= float(visual.images.min()) and float(visual.images.max()) <= 1.0, key
        if visual.captions is not None:
            assert len(visual.captions) in (1, visual.images.shape[0]), key
