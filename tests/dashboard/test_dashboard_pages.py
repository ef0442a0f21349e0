"""Every page of the lab under Streamlit's AppTest: no exception, the expected widgets, and a
run started from the UI that makes metrics appear.

AppTest never fires ``run_every``, so live tests sleep and rerun to a deadline; jobs are
stopped in teardown (the job manager is process-wide).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from sslcore import eval_jobs
from sslcore.config import RunConfig, replace
from sslcore.jobs import get_manager
from sslcore.store import RunStore, safe_run_dir

TINY_RUN = {
    "optim.steps": "40", "optim.batch_size": "16", "monitor.log_every": "2",
    "monitor.eval_every": "10", "monitor.probe_size": "64", "data.train_size": "256",
    "data.test_size": "128", "backbone.width": "8", "num_threads": "1",
}  # fmt: skip


@pytest.fixture
def dashboard_runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh runs directory for the dashboard; every live job in it is stopped afterwards."""
    runs = tmp_path / "runs"
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(runs))
    yield runs
    manager = get_manager(runs)
    for row in manager.list():
        if manager.is_live(row["run_id"]):
            manager.stop(row["run_id"])
            manager.wait(row["run_id"], timeout=60)


def page_app(name: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_string(
        f"from dashboard.screens.{name} import render\nrender()\n", default_timeout=120
    )
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at


def url_param(at: AppTest, key: str) -> str:
    """A query parameter as the browser would see it (AppTest may hold a list)."""
    value = at.query_params[key]
    return value[-1] if isinstance(value, list) else value


def plotted_series(at: AppTest) -> dict[str, int]:
    """Trace name -> number of points, over every plotly chart on the page."""
    counts = {}
    for element in at.main:
        spec = getattr(element, "proto", None) and getattr(element.proto, "spec", "")
        if not spec or '"data"' not in spec:
            continue
        for trace in json.loads(spec)["data"]:
            x = trace.get("x", [])
            size = (
                len(base64.b64decode(x["bdata"])) // np.dtype(x["dtype"]).itemsize
                if isinstance(x, dict)
                else len(x)
            )
            counts[trace.get("name", "")] = size
    return counts


def finished_run(runs_dir: Path) -> str:
    """A finished tiny run written through the job manager (as the CLI would)."""
    config = replace(RunConfig(), **{k: json.loads(v) for k, v in TINY_RUN.items()})
    manager = get_manager(runs_dir)
    run_id = manager.start(config)
    status = manager.wait(run_id, timeout=240)
    assert status["state"] == "finished", status
    return run_id


def test_setup_page_builds_the_form_from_the_config(dashboard_runs_dir: Path) -> None:
    at = page_app("setup").run()
    assert not at.exception
    labels = {w.label for w in at.selectbox}
    assert {"Dataset", "Backbone", "Objective", "Optimizer", "Preset"} <= labels
    assert any(b.label == "Start training" for b in at.button)
    assert at.query_params[state.OWNER_PARAM]  # the owner token goes into the URL


def test_setup_reads_the_url_and_shows_errors_inline(dashboard_runs_dir: Path) -> None:
    at = page_app(
        "setup",
        {
            "optim.steps": "123",
            "augment.crop_scale_min": "0.9",
            "augment.crop_scale_max": "0.5",
            "bogus": "1",
        },
    ).run()
    assert not at.exception
    steps = next(w for w in at.number_input if w.label == "Steps")
    assert steps.value == 123
    messages = [e.value for e in at.error]
    assert any("crop_scale_max" in m for m in messages), messages
    assert any("bogus" in w.value for w in at.warning)
    start = next(b for b in at.button if b.label == "Start training")
    assert start.disabled


def test_changing_the_objective_updates_the_url_and_its_form(dashboard_runs_dir: Path) -> None:
    at = page_app("setup").run()
    next(w for w in at.selectbox if w.label == "Objective").select("simsiam").run()
    assert not at.exception
    assert url_param(at, "objective.name") == "simsiam"
    assert any(t.label == "Stop-gradient" for t in at.toggle)


def test_starting_from_the_train_page_makes_metrics_appear(dashboard_runs_dir: Path) -> None:
    at = page_app("train", TINY_RUN).run()
    assert not at.exception
    assert at.info  # no run yet: the page says what to do
    next(b for b in at.button if b.label == "Start a new run").click().run()
    assert not at.exception
    run_id = at.session_state[state.RUN_ID]
    assert run_id and url_param(at, state.RUN_PARAM) == run_id
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        at.run()
        if plotted_series(at).get("loss", 0) >= 2:
            break
        time.sleep(2)
    else:
        pytest.fail("no loss curve appeared on the Train page")
    assert not at.exception
    assert RunStore(safe_run_dir(dashboard_runs_dir, run_id)).metrics()


def test_every_page_shows_a_finished_run(dashboard_runs_dir: Path) -> None:
    run_id = finished_run(dashboard_runs_dir)
    for name in ("train", "embeddings", "evaluate", "compare"):
        at = page_app(name, {state.RUN_PARAM: run_id}).run()
        assert not at.exception, (name, at.exception)
        assert at.title, name
    embeddings = page_app("embeddings", {state.RUN_PARAM: run_id}).run()
    assert embeddings.get("arrow_vega_lite_chart") or embeddings.get("vega_lite_chart")
    assert {w.label for w in embeddings.selectbox} >= {"Run", "Colour by"}
    evaluate = page_app("evaluate", {state.RUN_PARAM: run_id}).run()
    next(w for w in evaluate.selectbox if w.label == "Protocol").select("knn").run()
    next(b for b in evaluate.button if b.label == "Run").click().run()
    assert not evaluate.exception
    shown = [e.value for e in (*evaluate.info, *evaluate.success)]  # running, or just done
    assert any(m.startswith(("Running kNN classifier", "kNN classifier: done")) for m in shown)
    eval_jobs.wait(safe_run_dir(dashboard_runs_dir, run_id), timeout=240)
    evaluate.run()
    assert not evaluate.exception
    assert any(m.label.startswith("kNN") for m in evaluate.metric)
    # next to the number: why the Train page's live kNN reads differently
    assert any("The Train page's live kNN" in c.value for c in evaluate.caption)


def test_learn_page_has_a_card_per_objective_and_three_lessons(
    dashboard_runs_dir: Path,
) -> None:
    from sslcore.objectives import OBJECTIVES

    at = page_app("learn").run()
    assert not at.exception
    try_buttons = [b for b in at.button if b.label.startswith("Try ")]
    assert len(try_buttons) == len(OBJECTIVES)
    assert len(at.latex) == len(OBJECTIVES)  # a formula on every card
    collapse = [m for m in at.markdown if m.value.startswith("**What prevents collapse:**")]
    assert len(collapse) == len(OBJECTIVES)
    assert sum(b.label.startswith("Start ") for b in at.button) >= 3


def test_app_routes_to_the_setup_page(dashboard_runs_dir: Path) -> None:
    at = AppTest.from_file(
        str(Path(__file__).parents[2] / "dashboard" / "app.py"), default_timeout=120
    ).run()
    assert not at.exception
    assert "Set up an experiment" in at.title[0].value
    start = next(b for b in at.button if b.label == "Start training")
    assert not start.disabled  # the default setup is valid


def test_transfer_from_setup_to_evaluate_to_compare(
    dashboard_runs_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))  # no ImageNet weights cached
    run_id = finished_run(dashboard_runs_dir)
    setup = page_app("setup").run()
    init = next(w for w in setup.selectbox if w.label == "Initialise from")
    assert init.options[0].startswith("Scratch") and any(run_id in o for o in init.options)
    init.select(f"run:{run_id}").run()
    assert not setup.exception and url_param(setup, "backbone.init_from") == f"run:{run_id}"
    next(w for w in setup.selectbox if w.label == "Backbone").select("resnet18").run()
    init = next(w for w in setup.selectbox if w.label == "Initialise from")
    assert "ImageNet weights (not in the torch cache)" in init.options

    evaluate = page_app("evaluate", {state.RUN_PARAM: run_id}).run()
    next(w for w in evaluate.selectbox if w.label == "Evaluate on").select("digits").run()
    next(w for w in evaluate.selectbox if w.label == "Protocol").select("knn").run()
    next(b for b in evaluate.button if b.label == "Run").click().run()
    eval_jobs.wait(safe_run_dir(dashboard_runs_dir, run_id), timeout=240)
    evaluate.run()
    assert not evaluate.exception
    assert any("kNN classifier on digits: done" in s.value for s in evaluate.success)
    assert any("Transfer" in h.value for h in evaluate.subheader)
    table = evaluate.dataframe[0].value
    assert table.loc[0, "channels"] == "1 -> 3 (replicated)"
    assert table.loc[0, "size"] == "8 -> 32 (bilinear)"

    compare = page_app("compare", {state.RUN_PARAM: run_id}).run()
    assert not compare.exception
    assert any("Transfer: accuracy on other datasets" in h.value for h in compare.subheader)


def test_learn_page_has_the_transfer_lesson_without_imagenet_weights(
    dashboard_runs_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    at = page_app("learn").run()
    assert not at.exception
    assert any("carry over to handwritten digits" in h.value for h in at.subheader)
    assert any("“ImageNet weights” is left out" in c.value for c in at.caption)
