"""The Train page's similarity matrix is the batch's view 1 × view 2, labelled and readable.

A tiny SimCLR run trains for real (seconds), so the matrix comes from its saved views and its
checkpoint, as on a student's screen.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.components import view_similarity
from sslcore import load_backbone
from sslcore.train import Trainer


@pytest.fixture
def trained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new_store, tiny_config):
    runs = tmp_path / "runs"
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(runs))
    store = new_store(runs, tiny_config("simclr"), name="views-run")
    Trainer(tiny_config("simclr"), store).run()
    return store


def test_the_matrix_is_view_1_against_view_2_of_the_saved_batch(trained) -> None:
    step = trained.snapshot_steps("views")[-1]
    stamp = trained.checkpoint_path().stat().st_mtime
    matrix, weights_step = view_similarity.similarity(str(trained.path), step, 2, stamp)

    views = torch.from_numpy(trained.load_snapshot("views", step)["images"])
    views = views.permute(0, 3, 1, 2).float().div(255).reshape(-1, 2, *views.shape[-3:][::-1])
    model = load_backbone(trained.path)
    with torch.no_grad():
        h1 = torch.nn.functional.normalize(model(views[:, 0]), dim=1)
        h2 = torch.nn.functional.normalize(model(views[:, 1]), dim=1)
    assert matrix.shape == (len(views), len(views)) == (8, 8)
    np.testing.assert_allclose(matrix, (h1 @ h2.T).numpy(), atol=1e-5)
    assert weights_step == 20


def test_the_train_page_draws_it_with_named_axes_and_a_colour_scale(trained) -> None:
    at = AppTest.from_string(
        "from dashboard.screens.train import render\nrender()\n", default_timeout=120
    )
    at.query_params[state.RUN_PARAM] = trained.run_id
    at.run()
    assert not at.exception
    specs = [
        json.loads(e.proto.spec)
        for e in at.main
        if getattr(getattr(e, "proto", None), "spec", "").count(view_similarity.TITLE)
    ]
    assert specs, "the batch similarity matrix is drawn"
    heatmap, layout = specs[0]["data"][0], specs[0]["layout"]
    assert heatmap["type"] == "heatmap" and heatmap["z"]["shape"] == "8, 8"
    assert heatmap["zmin"] < heatmap["zmax"] == 1 and "colorbar" in heatmap
    assert layout["xaxis"]["title"]["text"] == "view 2 (image)"
    assert layout["yaxis"]["title"]["text"] == "view 1 (image)"
    assert layout["height"] >= 400
    assert any("Positive pairs are on the diagonal" in c.value for c in at.caption)
