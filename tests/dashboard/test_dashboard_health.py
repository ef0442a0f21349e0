"""The Train page's figures explain themselves: healthy levels, RankMe, uniformity, kNN's sample.

The run is written by hand (no training), so the test knows every number the page should show.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.components.live_run import speed_text
from sslcore.config import RunConfig, replace, to_dict
from sslcore.store import RunStore


def written_run(runs_dir: Path) -> str:
    """A finished SimCLR run (projection d = 128, backbone h d = 256) with two monitor steps."""
    config = replace(RunConfig(), **{"objective.name": "simclr", "optim.steps": 20})
    store = RunStore(runs_dir / "explained")
    store.create(to_dict(config))
    rng = np.random.default_rng(0)
    store.save_probe_images(np.zeros((300, 8, 8, 3), np.uint8), np.arange(300))
    for step, spread in ((0, 0.05), (20, 1.0)):
        features = 1.0 + spread * rng.standard_normal((300, 256)).astype(np.float32)
        store.save_embeddings(step, {"features": features, "ids": np.arange(300)})
        store.append_metrics({
            "step": step, "rankme": 20.0 + step, "feature_std": 0.01 + step / 1000,
            "knn_accuracy": 0.4 + step / 100,
        })  # fmt: skip
        if step:
            store.append_metrics({
                "step": step, "elapsed_s": 5.0, "loss": 4.0, "lr": 0.001,
                "images_per_s": 100.0, "step_time_s": 0.25, "collapse_std": 0.07,
                "alignment": 0.8,
            })  # fmt: skip
    store.write_status("finished", step=20, total_steps=20)
    return store.run_id


def traces(at: AppTest) -> dict[str, list[float]]:
    """Trace name -> y values, over every plotly chart on the page."""
    out = {}
    for element in at.main:
        spec = getattr(element, "proto", None) and getattr(element.proto, "spec", "")
        if spec and '"data"' in spec:
            out |= {t.get("name", ""): t.get("y", []) for t in json.loads(spec)["data"]}
    return out


def test_train_page_draws_healthy_levels_rankme_uniformity_and_the_knn_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(tmp_path / "runs"))
    run_id = written_run(tmp_path / "runs")
    at = AppTest.from_string(
        "from dashboard.screens.train import render\nrender()\n", default_timeout=60
    )
    at.query_params[state.RUN_PARAM] = run_id
    at.run()
    assert not at.exception
    drawn = traces(at)
    # 1/√128 for the projection SimCLR's loss sees, 1/√256 for the backbone's features
    assert drawn["healthy z: 1/√128 = 0.088"] == pytest.approx([128**-0.5] * 2)
    assert drawn["healthy h: 1/√256 = 0.062"] == pytest.approx([0.0625] * 2)
    assert drawn["rankme"] == [20.0, 40.0]
    assert drawn["most possible: 256"] == [256.0, 256.0]
    low, high = drawn["uniformity"]  # features spread out between the two steps
    assert drawn["alignment"][-1] == 0.8  # the monitor's figure, at its step
    assert -0.1 < low < 0 and high < low - 1
    captions = " ".join(c.value for c in at.caption)
    assert "near its dashed line 1/√d (z: 0.088; h: 0.062)" in captions
    assert "random network" in captions
    assert "300 held-out test images vote among up to 2,000" in captions
    assert "The Evaluate page's kNN uses all of both" in captions
    assert all(c.help for c in at.caption if "dashed line" in c.value or "collapsed" in c.value)


def test_speed_says_measuring_before_the_first_logged_step() -> None:
    assert speed_text({"state": "running"}) == "measuring…"
    assert speed_text({"state": "queued", "images_per_s": 0}) == "measuring…"
    assert speed_text({"state": "running", "images_per_s": 1234.4}) == "1,234"
    assert speed_text({"state": "finished"}) == "–"
