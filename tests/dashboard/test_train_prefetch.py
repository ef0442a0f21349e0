"""The Train page loads the setup's dataset while nothing trains, so its *Start a new run*
finds the data loaded as Setup's Start does."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sslcore.config import DataConfig
from sslcore.data import clear_cache
from sslcore.data.loading import is_cached


def test_the_train_page_loads_the_setup_data_while_nothing_trains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait_until
) -> None:
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(tmp_path / "runs"))
    clear_cache()
    data = DataConfig()  # the default setup's data
    at = AppTest.from_string(
        "from dashboard.screens.train import render\nrender()\n", default_timeout=120
    ).run()
    assert not at.exception
    loaded = wait_until(lambda: is_cached(data, "train") and is_cached(data, "test"), 120)
    assert loaded, "the setup's data was never loaded"
