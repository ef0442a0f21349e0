"""The Setup page after an objective change: the method's augmentations, a fix for what it needs.

AppTest drives the page as a user would: choose an objective in the select box, read the URL,
the errors, the buttons and the preview image.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture
def setup_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_string(
        "from dashboard.screens.setup import render\nrender()\n", default_timeout=120
    )
    return at.run()


def choose(at: AppTest, label: str, option: str) -> AppTest:
    next(w for w in at.selectbox if w.label == label).select(option).run()
    assert not at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def preset(at: AppTest) -> str:
    return next(w for w in at.selectbox if w.label == "Preset").value


def test_mae_offers_to_switch_the_backbone_and_keeps_the_preview(setup_page: AppTest) -> None:
    at = choose(setup_page, "Objective", "mae")
    assert any("needs one of these backbones: vit_tiny" in e.value for e in at.error)
    assert button(at, "Start training").disabled
    assert len(at.get("image")) >= 2, "the augmentation preview stays while the backbone is wrong"
    button(at, "Switch the backbone to vit_tiny").click().run()
    assert not at.exception and not at.error
    assert next(w for w in at.selectbox if w.label == "Backbone").value == "vit_tiny"
    assert not button(at, "Start training").disabled


def test_choosing_byol_brings_its_augmentations(setup_page: AppTest) -> None:
    assert preset(setup_page) == "simclr"
    at = choose(setup_page, "Objective", "byol")
    assert preset(at) == "byol"
    at = choose(at, "Objective", "rotation")
    assert preset(at) == "weak"


def test_augmentations_chosen_by_hand_stay_when_the_objective_changes(
    setup_page: AppTest,
) -> None:
    at = choose(setup_page, "Preset", "none")  # the colour-shortcut lesson's choice
    at = choose(at, "Objective", "byol")
    assert preset(at) == "none"
    next(s for s in at.slider if s.label == "Rotation (degrees)").set_value(10.0).run()
    assert preset(at) == "custom"
    at = choose(at, "Objective", "simclr")
    assert preset(at) == "custom"
    assert next(s for s in at.slider if s.label == "Rotation (degrees)").value == 10.0


def learning_rates(at: AppTest) -> list[float]:
    """The y values of the Setup page's learning-rate chart."""
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    (chart,) = [c for c in charts if c["layout"]["title"]["text"] == "Learning rate over the run"]
    return chart["data"][0]["y"]


def test_the_learning_rate_chart_follows_the_fields(setup_page: AppTest) -> None:
    rates = learning_rates(setup_page)
    lr = next(w for w in setup_page.select_slider if w.label == "Learning rate").value
    assert max(rates) == pytest.approx(lr) and rates[-1] < 0.01 * lr  # cosine decay to 0
    warmup = next(w for w in setup_page.number_input if w.label == "Warm-up steps")
    assert learning_rates(warmup.set_value(0).run())[0] == pytest.approx(lr)  # from the peak
    rates = learning_rates(warmup.set_value(100).run())
    assert rates[0] < 0.05 * lr and max(rates) == pytest.approx(lr)  # it climbs first
