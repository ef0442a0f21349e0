"""Every objective's card is complete, and its recipes list only what they change.

The Learn page and every run card show what an objective class says about itself: its family,
its papers, its loss in LaTeX, what keeps it from collapsing and where its recipes come from.
A recipe is read as changes to the config it starts from, so an entry equal to that value is
noise that hides what the method really asks for.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from sslcore.config import RunConfig, to_dict
from sslcore.method_card import method_card
from sslcore.objectives import OBJECTIVES
from sslcore.objectives.base import FAMILIES
from sslcore.objectives.fields import ObjectiveParams
from sslcore.recipes import (
    PHOTO_FAMILIES,
    PHOTO_PRESETS,
    PHOTO_RECIPE,
    augment_preset_dict,
    recipe_cards,
)


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_every_objective_has_a_complete_card(name: str) -> None:
    card = method_card(name)
    assert card.formula.strip() and card.formula == OBJECTIVES[name].formula
    assert card.prevents_collapse.strip()
    assert card.papers and all("http" in paper for paper in card.papers), card.papers
    assert card.family in FAMILIES
    assert card.idea.strip()
    recipes = recipe_cards(name)
    assert recipes and all(recipe.source.strip() and recipe.data for recipe in recipes)


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_every_config_is_objective_params(name: str) -> None:
    config = OBJECTIVES[name].Config
    assert issubclass(config, ObjectiveParams) and config._prefix == "objective.params."
    assert "_prefix" not in vars(config)  # said once, in ObjectiveParams


def starting_point(name: str, preset: str) -> dict[str, Any]:
    """The config a recipe changes: the defaults, the method's own and its preset."""
    data = to_dict(RunConfig())
    data["objective"]["params"] = dataclasses.asdict(OBJECTIVES[name].Config())
    data["augment"] = augment_preset_dict(preset)
    return data


def value_at(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for key in dotted.split("."):
        node = node[key]
    return node


def with_changes(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        value_at(data, ".".join(parents))[leaf] = value
    return data


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_no_recipe_entry_equals_the_value_it_overrides(name: str) -> None:
    cls = OBJECTIVES[name]
    base = starting_point(name, cls.default_augment)
    for dotted, value in cls.recipe.items():
        assert value_at(base, dotted) != value, f"{name}.recipe[{dotted!r}] is the default"
    if cls.family not in PHOTO_FAMILIES:
        assert not cls.photo_recipe, f"{name} never gets the photo recipe"
        return
    photo_preset = PHOTO_PRESETS.get(cls.default_augment, cls.default_augment)
    photo = with_changes(starting_point(name, photo_preset), {**cls.recipe, **PHOTO_RECIPE})
    for dotted, value in cls.photo_recipe.items():
        assert value_at(photo, dotted) != value, f"{name}.photo_recipe[{dotted!r}] changes nothing"
