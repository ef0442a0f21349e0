"""Load a dataset's two splits in the background while the Setup page shows it.

A run's first loss point waits for its data. Rendering shapes' 12,000 images takes 0.25 s on an
idle 2-core machine, but 1.2-2 s right after *Start*, when the browser drawing the Train page and
the page's first script run share the CPU with the trainer (measured: 2.1-2.5 s from the click to
the first loss row, of which loading was 1.2-2.0 s). The Setup page already shows the dataset the
run will train on, so the lab loads both splits then, into the cache of
:func:`~sslcore.data.loading.load_dataset` that the trainer reads: by the click the data is there.

One worker thread, the newest request first: a user stepping through the dataset picker does not
queue a load per step. Datasets over :data:`MAX_BYTES`, or whose size is unknown before reading
them (text, an unreadable folder), are left for Start to load, so looking at a large dataset never
fills the server's memory unasked. A failing load is left for Start to report.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sslcore.data.catalog import dataset_info
from sslcore.data.loading import is_cached, load_dataset

if TYPE_CHECKING:
    from sslcore.config import DataConfig

MAX_BYTES = 256 * 2**20  # uint8 pixels of both splits: CIFAR-10 at 32 px is 176 MiB
SPLITS = ("train", "test")

_lock = threading.Lock()
_request: DataConfig | None = None  # the newest dataset asked for, not yet taken by the worker
_worker: threading.Thread | None = None


def estimated_bytes(config: DataConfig) -> int | None:
    """The uint8 pixels of both splits of ``config`` at its image size; None when unknown
    without reading the data."""
    if config.dataset == "shapes":
        count, channels = config.train_size + config.test_size, 3
    else:
        try:
            info = dataset_info(config.dataset)
        except (OSError, ValueError):
            return None
        if info.size is None or info.channels is None:
            return None
        count, channels = info.size, info.channels
    return count * channels * config.image_size**2


def prefetch(config: DataConfig) -> bool:
    """Start loading both splits of ``config`` in the background unless they are cached;
    False when the dataset is too large (or of unknown size) to load before it is asked for."""
    global _request, _worker
    if all(is_cached(config, split) for split in SPLITS):
        return True  # every rerun of the page asks: answered without reading the dataset
    size = estimated_bytes(config)
    if size is None or size > MAX_BYTES:
        return False
    with _lock:
        _request = config
        if _worker is None:
            _worker = threading.Thread(target=_work, name="prefetch-data", daemon=True)
            _worker.start()
    return True


def _work() -> None:
    """Load what was asked for last until nothing is left to load, then end."""
    global _request, _worker
    while True:
        with _lock:
            config, _request = _request, None
            if config is None:
                _worker = None
                return
        try:
            for split in SPLITS:
                load_dataset(config, split)
        except (OSError, ValueError, RuntimeError):
            pass  # Start loads it again and reports the error where the user sees it
