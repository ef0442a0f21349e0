"""One-click recipes on the Setup page: switching objectives gives a setup that can start."""

from __future__ import annotations

import pytest

from dashboard.setup_url import build_config, recipe_overrides
from sslcore.objectives import OBJECTIVES


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_every_recipe_builds_from_the_default_setup_and_from_a_text_one(name: str) -> None:
    from_images = recipe_overrides(name, keep={"data.dataset": "shapes", "seed": 3})
    from_text = recipe_overrides(name, keep=recipe_overrides("mlm"))
    for overrides in (from_images, from_text):
        config = build_config(overrides)
        assert config.objective.name == name
        assert config.seed == (3 if overrides is from_images else 0)


def test_a_text_objective_brings_text_data_and_its_backbone_and_back() -> None:
    text = build_config(recipe_overrides("mlm", keep={"data.dataset": "digits", "seed": 3}))
    assert (text.data.dataset, text.backbone.name, text.seed) == (
        "stdlib_docs",
        "text_transformer",
        3,
    )
    images = build_config(recipe_overrides("simclr", keep=recipe_overrides("next_token")))
    assert images.data.dataset == "shapes"
    assert images.backbone.name == "convnet"
    assert images.optim.precision == "auto"  # the text recipe's fp32 did not carry over
