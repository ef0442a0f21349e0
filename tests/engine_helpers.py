"""Small, fast run configurations for the engine tests (seconds on a 2-core CPU)."""

from __future__ import annotations

from pathlib import Path

from sslcore.config import RunConfig, replace
from sslcore.recipes import recipe_config
from sslcore.store import RunStore

TINY = {
    "data.image_size": 16,
    "data.train_size": 512,
    "data.test_size": 256,
    "backbone.width": 8,
    "optim.batch_size": 32,
    "optim.steps": 20,
    "optim.warmup_steps": 2,
    "monitor.log_every": 5,
    "monitor.eval_every": 10,
    "monitor.checkpoint_every": 10,
    "monitor.probe_size": 64,
    "num_threads": 1,
}


def tiny_config(objective: str = "simclr", **changes: object) -> RunConfig:
    """The objective's recipe shrunk to a few seconds of training, with dotted ``changes``."""
    return replace(recipe_config(objective), **{**TINY, **changes})


def new_store(tmp_path: Path, config: RunConfig, name: str = "run") -> RunStore:
    from sslcore.config import to_dict

    store = RunStore(tmp_path / name)
    store.create(to_dict(config))
    return store


def write_photos(path: Path, train: int = 40, test: int = 8) -> str:
    """A Keras-layout npz of random 32x32 RGB images (4 classes); its ``npz:`` dataset name.

    RGB without generative factors counts as photographs (``sslcore.recipes.is_photographic``).
    """
    import numpy as np

    rng = np.random.default_rng(0)
    images = {n: rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8)
              for n, count in (("x_train", train), ("x_test", test))}  # fmt: skip
    np.savez(path, **images, y_train=np.arange(train) % 4, y_test=np.arange(test) % 4)
    return f"npz:{path}"
