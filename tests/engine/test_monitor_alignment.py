"""The monitor logs the alignment of two views of the batch's images at every monitor step."""

from __future__ import annotations

from pathlib import Path

from sslcore.train import Trainer


def test_alignment_is_logged_from_the_first_views_on(
    tmp_path: Path, tiny_config, new_store
) -> None:
    config = tiny_config(**{"optim.steps": 20, "monitor.eval_every": 10})
    store = new_store(tmp_path, config)
    assert Trainer(config, store).run()["state"] == "finished"
    aligned = {r["step"]: r["alignment"] for r in store.metrics() if "alignment" in r}
    assert sorted(aligned) == [10, 20]  # step 0 has no views yet
    assert all(0 < value < 4 for value in aligned.values())  # squared distances of unit vectors


def test_text_runs_log_no_alignment(tmp_path: Path, finished_text_run) -> None:
    store = finished_text_run(tmp_path)
    assert not any("alignment" in r for r in store.metrics())
