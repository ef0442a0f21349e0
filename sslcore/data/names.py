"""The dataset names ``data.dataset`` accepts (checked by :class:`~sslcore.config.DataConfig`)."""

from __future__ import annotations

from sslcore.config import ConfigError

DATASET_NAMES = (
    "shapes",
    "digits",
    "mnist",
    "fashion_mnist",
    "cifar10",
    "stl10",
    "stl10_unlabeled",
    "stl10_train_unlabeled",
    "stdlib_docs",
)
PREFIXES = ("folder:", "npz:", "text:")


def check_dataset_name(name: str) -> None:
    """Raise ConfigError unless ``name`` is built in or ``folder:``/``npz:``/``text:<path>``."""
    if name in DATASET_NAMES or any(name.startswith(p) and len(name) > len(p) for p in PREFIXES):
        return
    raise ConfigError(
        "data.dataset",
        f"{name!r} is not a known dataset: use one of {', '.join(DATASET_NAMES)}, "
        "folder:<path>, npz:<path> or text:<path>",
    )
