"""A lesson's answer on one screen: its runs' factor probes beside a random network and chance.

The runs and their probe results are written by hand (no training), so the test knows the table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.lessons import LESSONS
from sslcore.config import RunConfig, replace, to_dict
from sslcore.store import RunStore

SCORES = {"with-jitter": (0.98, 0.89), "no-jitter": (0.42, 1.0)}  # shape, colour
RANDOM = (0.60, 1.0)


def probes(shape: float, colour: float) -> list[dict]:
    return [
        {"factor": "shape", "kind": "categorical", "metric": "accuracy", "score": shape,
         "chance": 0.17},
        {"factor": "colour", "kind": "categorical", "metric": "accuracy", "score": colour,
         "chance": 0.18},
    ]  # fmt: skip


@pytest.fixture
def lesson_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    runs = tmp_path / "runs"
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(runs))
    ids = []
    for name, (shape, colour) in SCORES.items():
        store = RunStore(runs / f"{name}-run")
        store.create(to_dict(replace(RunConfig(), name=name)))
        store.write_status("finished", step=300)
        (store.path / "eval").mkdir(exist_ok=True)
        result = {"protocol": "probes", "factors": probes(shape, colour),
                  "random_factors": probes(*RANDOM)}  # fmt: skip
        (store.path / "eval" / "probes.json").write_text(json.dumps(result))
        ids.append(store.run_id)
    return ids


def probe_frame(at: AppTest):
    frames = [f.value for f in at.dataframe if "chance" in f.value.columns]
    assert frames, "the probes table is drawn"
    return frames[0]


def test_lesson_card_shows_both_runs_probes_with_random_network_and_chance(lesson_runs) -> None:
    at = AppTest.from_string("from dashboard.screens.learn import render\nrender()\n")
    at.run(timeout=60)
    assert not at.exception
    table = probe_frame(at)
    assert list(table.columns) == ["with colour jitter", "without colour jitter",
                                   "random convnet", "chance"]  # fmt: skip
    assert table.loc["colour (accuracy)"].tolist() == [0.89, 1.0, 1.0, 0.18]
    assert table.loc["shape (accuracy)", "chance"] == 0.17
    times = [c.value for c in at.caption if "2-core laptop" in c.value]
    assert len(times) == len(LESSONS) and "queue" in times[0]


def test_compare_page_has_the_probe_table(lesson_runs) -> None:
    at = AppTest.from_string("from dashboard.screens.compare import render\nrender()\n")
    at.query_params[state.COMPARE_PARAM] = ",".join(lesson_runs)
    at.run(timeout=60)
    assert not at.exception
    table = probe_frame(at)
    assert list(table.columns) == [*lesson_runs, "random convnet", "chance"]
    assert table.loc["shape (accuracy)"].tolist() == [0.98, 0.42, 0.6, 0.17]
