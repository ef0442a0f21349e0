"""The Train page shows each training image before augmentation, then the views made of it."""

from __future__ import annotations

import numpy as np

from dashboard.components.live_run import beside_originals
from sslcore.train import Trainer


def test_the_monitor_saves_the_originals_and_the_page_puts_them_first(
    tmp_path, tiny_config, new_store
):
    config = tiny_config(**{"optim.steps": 10})
    store = new_store(tmp_path, config)
    Trainer(config, store).run()
    views = store.load_snapshot("views")
    originals = store.load_snapshot("originals", views["step"])
    n_views = 2
    assert originals is not None and originals["images"].dtype == np.uint8
    assert len(originals["images"]) * n_views == len(views["images"])
    grid, columns = beside_originals(store, views, n_views)
    assert columns == 3
    rows = grid.reshape(-1, columns, *grid.shape[1:])
    assert (rows[:, 0] == originals["images"]).all()
    assert (rows[:, 1:].reshape(views["images"].shape) == views["images"]).all()
    # The views are augmented copies, not the originals themselves.
    assert not (rows[:, 1] == rows[:, 0]).all()


def test_a_run_recorded_before_originals_shows_its_views_alone(tmp_path, tiny_config, new_store):
    config = tiny_config(**{"optim.steps": 10})
    store = new_store(tmp_path, config)
    Trainer(config, store).run()
    for path in (store.path / "snapshots").glob("originals_*.npz"):
        path.unlink()
    views = store.load_snapshot("views")
    grid, columns = beside_originals(store, views, 2)
    assert columns == 2 and grid is views["images"]
