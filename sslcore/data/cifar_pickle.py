"""Read CIFAR-10's python batches without running arbitrary pickled code.

CIFAR-10 is distributed as Python pickles (``cifar-10-batches-py/data_batch_1`` ...). torchvision
only unpickles them after checking each file's MD5 against the official release, which also means
it refuses any file that is not byte-for-byte the original. We read the same format with an
unpickler that may build nothing but plain containers and NumPy arrays (the same idea as
``torch.load(weights_only=True)``), so a copied or re-packed batch loads and a hostile file
cannot execute code.
"""

from __future__ import annotations

import codecs
import pickle
from pathlib import Path
from typing import Any

import numpy as np

try:  # NumPy 2 moved the pickling helpers to numpy._core; pickles may name either module.
    from numpy._core.multiarray import _reconstruct
    from numpy._core.numeric import _frombuffer  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]
    from numpy.core.numeric import _frombuffer  # type: ignore[no-redef,attr-defined]

_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
}
for _module in ("numpy.core", "numpy._core"):
    _ALLOWED[(f"{_module}.multiarray", "_reconstruct")] = _reconstruct
    _ALLOWED[(f"{_module}.numeric", "_frombuffer")] = _frombuffer


class _ArraysOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"{module}.{name} is not allowed in a CIFAR batch (only NumPy arrays and plain "
                "containers are read)"
            ) from None


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch file: images (N, 3, 32, 32) uint8 and labels (N,) int64.

    Raises:
        ValueError: the file is not a CIFAR-10 batch (wrong content, shape or type).
    """
    try:
        with open(path, "rb") as f:
            entry = _ArraysOnlyUnpickler(f, encoding="latin1").load()
    # A foreign or damaged file can make the unpickler raise almost anything (MemoryError,
    # OverflowError, KeyError, ...): each means the same thing here.
    except Exception as err:  # noqa: BLE001
        reason = f"{type(err).__name__}: {err}".strip().rstrip(":")
        raise ValueError(f"{path} is not a readable CIFAR-10 batch ({reason})") from None
    if not isinstance(entry, dict) or "data" not in entry or "labels" not in entry:
        raise ValueError(
            f"{path} is not a CIFAR-10 batch: a dict with 'data' and 'labels' is expected"
        )
    data = np.asarray(entry["data"])
    labels = np.asarray(entry["labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(
            f"{path}: 'data' must be uint8 of shape (N, 3072), got {data.dtype} {data.shape}"
        )
    if labels.shape != (data.shape[0],):
        raise ValueError(f"{path}: {labels.shape[0]} labels for {data.shape[0]} images")
    return data.reshape(-1, 3, 32, 32), labels
