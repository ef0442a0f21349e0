"""The Train page polls fast only until a running run's first loss point, then every 2 s."""

from __future__ import annotations

from pathlib import Path

from dashboard.screens.train import FIRST_POINT_POLL_SECONDS, POLL_SECONDS, poll_seconds
from sslcore.config import RunConfig, to_dict
from sslcore.run_lock import RunLock
from sslcore.store import RunStore


def test_fast_until_the_first_loss_point_then_slow_then_none(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "polled")
    store.create(to_dict(RunConfig()))
    with RunLock.acquire(store.path):  # a live writer: the run reads as it says
        store.write_status("running", message="training")
        store.append_metrics({"step": 0, "knn_accuracy": 0.3})  # the step-0 monitor row
        assert poll_seconds(store) == FIRST_POINT_POLL_SECONDS == 0.5
        store.append_metrics({"step": 10, "loss": 4.2, "elapsed_s": 1.0})
        assert poll_seconds(store) == POLL_SECONDS == 2.0
        store.write_status("paused")
        assert poll_seconds(store) == POLL_SECONDS
        store.write_status("finished")
        assert poll_seconds(store) is None
