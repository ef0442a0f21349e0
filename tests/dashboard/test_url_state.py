"""A link's view parameters that do not fit the screen are dropped, never raised.

``map``, ``colour``, ``frame``, ``protocol``, ``fraction`` and ``compare`` come from whoever wrote
the link: a value of the wrong type or not among the page's options is forgotten, the widget
starts on its default and the URL written back leaves the bad value out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from sslcore.config import RunConfig, replace, to_dict
from sslcore.store import RunStore

BAD = {
    "embeddings": {"map": "<script>", "colour": "\x00", "frame": "1e999", "projector": "2"},
    "evaluate": {"protocol": "../x", "fraction": "nan"},
    "compare": {"compare": "../x,/etc"},
}


@pytest.fixture
def run_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    runs = tmp_path / "runs"
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(runs))
    config = replace(RunConfig(), **{"data.test_size": 64, "monitor.probe_size": 64})
    store = RunStore(runs / "linked")
    store.create(to_dict(config))
    ids = np.arange(64)
    store.save_probe_images(np.zeros((64, 8, 8, 3), np.uint8), ids)
    store.save_embeddings(10, {"features": np.random.default_rng(0).normal(size=(64, 4)),
                               "ids": ids, "labels": ids % 6})  # fmt: skip
    store.write_status("finished", step=10)
    return store.run_id


@pytest.mark.parametrize("page", list(BAD))
def test_bad_view_parameters_are_dropped(run_id: str, page: str) -> None:
    at = AppTest.from_string(
        f"from dashboard.screens.{page} import render\nrender()\n", default_timeout=120
    )
    at.query_params[state.RUN_PARAM] = run_id
    for key, value in BAD[page].items():
        at.query_params[key] = value
    at.run()
    assert not at.exception and not at.error
    for key in BAD[page]:
        assert key not in at.query_params or at.query_params[key] != [BAD[page][key]]
