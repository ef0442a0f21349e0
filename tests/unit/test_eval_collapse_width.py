"""The collapse check's healthy level 1/√d uses the width of the embedding the trainer measures.

Every registered objective runs one forward pass on a small backbone; the width of the
embedding it hands the trainer (``StepOutput.embedding``, what ``collapse_std`` is computed on)
must be the width :func:`collapse_width` reads from the configuration alone.
"""

from __future__ import annotations

import pytest
import torch

from sslcore.config import replace
from sslcore.eval.collapse_width import collapse_width, healthy_std
from sslcore.objectives import OBJECTIVES
from sslcore.objectives.base import ImageSpec
from sslcore.recipes import recipe_config
from sslcore.train.build import build_objective

SMALL = {
    "convnet": {"backbone.width": 8},
    "vit_tiny": {"backbone.vit_depth": 1, "backbone.vit_dim": 32, "backbone.vit_heads": 2},
    "text_transformer": {"backbone.vit_depth": 1, "backbone.vit_dim": 32, "backbone.vit_heads": 2},
}


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_collapse_width_is_the_width_of_the_logged_embedding(name: str) -> None:
    torch.set_num_threads(1)
    cls = OBJECTIVES[name]
    backbone = (cls.compatible_backbones or ("convnet",))[0]
    config = replace(recipe_config(name), **{"backbone.name": backbone, **SMALL[backbone]})
    text = backbone == "text_transformer"
    spec = ImageSpec(channels=40, size=16) if text else ImageSpec(channels=3, size=16)
    objective = build_objective(config, spec)
    objective.generator = torch.Generator().manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    if text:
        views = [torch.randint(3, 40, (8, 16), generator=generator)] * cls.n_views
    else:
        views = [torch.rand(8, 3, 16, 16, generator=generator) for _ in range(cls.n_views)]
    embedding = objective(views).embedding
    assert embedding is not None
    assert collapse_width(config) == embedding.shape[1]


def test_healthy_std_is_one_over_root_d() -> None:
    assert healthy_std(128) == pytest.approx(0.0884, abs=1e-4)
    assert healthy_std(256) == pytest.approx(0.0625)
