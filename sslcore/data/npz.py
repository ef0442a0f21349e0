"""``npz:<path>``: your own images from a NumPy ``.npz`` archive.

The archive holds:

- ``x`` (required): uint8 images, (N, H, W) grey or (N, H, W, C) with C = 1 or 3;
- ``y`` (optional): (N,) non-negative integer class labels;
- ``classes`` (optional, with ``y``): (K,) strings naming the classes, K > max(y).

Make one with ``np.savez("mine.npz", x=images, y=labels, classes=np.array(["cat", "dog"]))``.
The lab then holds out a seeded share of the images as the test split. An archive in Keras's
layout (``keras.datasets.mnist``'s ``mnist.npz``) brings its own split instead: ``x_train``,
``x_test`` and, optionally, ``y_train``, ``y_test`` (and ``classes``), each checked as above.
The archive is read with ``allow_pickle=False``: it can hold arrays, never code. Non-square
images are centre-cropped; all are resized to the run's size. On a shared server only files
under the allowed data roots are read (:mod:`sslcore.data.roots`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import torch

from sslcore.data.dataset import ImageDataset
from sslcore.data.info import DatasetInfo
from sslcore.data.resize import resize_images
from sslcore.data.roots import check_data_path

OWN_SPLIT = ("x_train", "x_test")  # Keras's layout: the archive's own train/test split


def _open(path: Path) -> np.lib.npyio.NpzFile:
    check_data_path(path)  # before looking: a refusal says nothing about what is outside
    if not path.is_file():
        raise FileNotFoundError(f"npz file {path} does not exist")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path} is not a readable .npz archive: {err}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} is a single .npy array, not an .npz archive with an array 'x'")
    split_arrays = set(OWN_SPLIT) & set(archive.files)
    if "x" not in archive.files and not split_arrays:
        found = ", ".join(archive.files) or "none"
        raise ValueError(
            f"{path} has no array 'x' (arrays found: {found}): 'x' must hold "
            "the images, uint8 (N, H, W) or (N, H, W, C); or give 'x_train' and 'x_test'"
        )
    if len(split_arrays) == 1:
        (given,), (missing,) = split_arrays, set(OWN_SPLIT) - split_arrays
        raise ValueError(
            f"{path} has {given!r} but no {missing!r}: an archive with its own split "
            "needs both 'x_train' and 'x_test'"
        )
    return archive


def _own_split(archive: np.lib.npyio.NpzFile) -> bool:
    return set(OWN_SPLIT) <= set(archive.files)


def has_own_split(path: str) -> bool:
    """Whether the archive holds its own train/test split (``x_train`` and ``x_test``)."""
    with _open(Path(path).expanduser()) as archive:
        return _own_split(archive)


def _array(archive: np.lib.npyio.NpzFile, name: str, path: Path) -> np.ndarray:
    try:
        return archive[name]
    except ValueError as err:  # object arrays need pickle, which is refused
        raise ValueError(
            f"{path}: array {name!r} cannot be read without pickle ({err}); save "
            "plain numeric or string arrays"
        ) from None


def _check_images(x: np.ndarray, path: Path, name: str = "x") -> np.ndarray:
    """``x`` as (N, C, H, W) uint8."""
    if x.dtype != np.uint8:
        raise ValueError(
            f"{path}: array '{name}' must be uint8 (0-255), got {x.dtype}; convert "
            "with (x * 255).round().astype(np.uint8) if it holds floats in [0, 1]"
        )
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[-1] in (1, 3):
        x = x.transpose(0, 3, 1, 2)
    else:
        raise ValueError(
            f"{path}: array '{name}' must be (N, H, W) or (N, H, W, C) with C = 1 or 3, "
            f"got shape {x.shape}"
        )
    if x.shape[0] == 0 or min(x.shape[2:]) == 0:
        raise ValueError(f"{path}: array '{name}' holds no images (shape {x.shape})")
    return np.ascontiguousarray(x)


def _check_labels(y: np.ndarray, n: int, path: Path, name: str = "y") -> np.ndarray:
    images = name.replace("y", "x", 1)
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{path}: array '{name}' must hold integer class labels, got {y.dtype}")
    if y.shape != (n,):
        raise ValueError(
            f"{path}: array '{name}' must have shape ({n},), one label per image in "
            f"'{images}', got {y.shape}"
        )
    if y.min() < 0:
        raise ValueError(f"{path}: array '{name}' must hold labels 0, 1, 2, ..., found {y.min()}")
    return y.astype(np.int64)


def _check_classes(classes: np.ndarray, n_classes: int, path: Path) -> list[str]:
    if classes.ndim != 1 or classes.dtype.kind not in "US":
        raise ValueError(
            f"{path}: array 'classes' must be a 1-D array of strings, got "
            f"{classes.dtype} {classes.shape}"
        )
    if len(classes) < n_classes:
        raise ValueError(
            f"{path}: array 'classes' names {len(classes)} classes but 'y' uses "
            f"labels up to {n_classes - 1}"
        )
    return [c.decode() if isinstance(c, bytes) else str(c) for c in classes.tolist()]


def _labels_and_classes(
    archive: np.lib.npyio.NpzFile, n: int, path: Path, name: str = "y", n_classes: int = 0
) -> tuple[np.ndarray | None, list[str]]:
    """The labels in array ``name`` and the class names; ``n_classes`` is at least how many
    classes there are (an own-split archive names the classes of both splits)."""
    if name not in archive.files:
        if "classes" in archive.files:
            raise ValueError(
                f"{path}: array 'classes' is given without '{name}': add the labels as "
                f"'{name}' or drop 'classes'"
            )
        return None, []
    y = _check_labels(_array(archive, name, path), n, path, name)
    n_classes = max(n_classes, int(y.max()) + 1)
    if "classes" not in archive.files:
        # The class list is built from the largest label: bound it by what the file holds
        # before allocating it (a 30 KB file with a label of 2**40 must not take the server).
        labelled = sum(_array(archive, k, path).shape[0] for k in _label_arrays(archive))
        if n_classes > labelled:
            raise ValueError(
                f"{path}: the labels go up to {n_classes - 1}, but the archive holds only "
                f"{labelled} labelled images: number the classes 0, 1, 2, ... or name them "
                "in an array 'classes'"
            )
        return y, [str(i) for i in range(n_classes)]
    return y, _check_classes(_array(archive, "classes", path), n_classes, path)


def _label_arrays(archive: np.lib.npyio.NpzFile) -> list[str]:
    return [k for k in ("y", "y_train", "y_test") if k in archive.files]


def _label_count(archive: np.lib.npyio.NpzFile, path: Path) -> int:
    """One more than the largest label of either split of an own-split archive (0: none)."""
    labels = [
        _array(archive, f"y_{s}", path) for s in ("train", "test") if f"y_{s}" in archive.files
    ]
    return max(
        (int(y.max()) + 1 for y in labels if y.size and np.issubdtype(y.dtype, np.integer)),
        default=0,
    )


def load_npz(path: str, image_size: int, split: str | None = None) -> ImageDataset:
    """The images (and labels) of an ``.npz`` archive, resized to ``image_size``.

    Args:
        path: the archive.
        image_size: the side every image is resized to.
        split: ``"train"`` or ``"test"`` for an archive with its own split (``x_train``,
            ``x_test``), which needs it; None for one with ``x``, which is split by the caller.

    Raises:
        PermissionError: the file is outside the allowed data roots.
        FileNotFoundError: the file does not exist.
        ValueError: it is not an .npz archive, or an array has the wrong shape or type (the
            message names the array and what is expected).
    """
    file = Path(path).expanduser()
    with _open(file) as archive:
        own_split = _own_split(archive)
        if own_split != (split is not None):
            raise ValueError(
                f"{path}: {'name the split to read' if own_split else 'has no own split'} "
                "(an archive with 'x_train' and 'x_test' is read one split at a time)"
            )
        suffix = f"_{split}" if split else ""
        x = _check_images(_array(archive, f"x{suffix}", file), file, f"x{suffix}")
        n_classes = _label_count(archive, file) if own_split else 0
        y, classes = _labels_and_classes(archive, x.shape[0], file, f"y{suffix}", n_classes)
    return ImageDataset(
        name=f"npz:{path}",
        images=resize_images(torch.from_numpy(x), image_size),
        labels=None if y is None else torch.from_numpy(y),
        classes=classes,
    )


def _x_header(file: Path, name: str = "x") -> tuple[int, ...]:
    """The shape of array ``name``, read from its header without loading the images."""
    with zipfile.ZipFile(file) as zf, zf.open(f"{name}.npy") as f:
        version = np.lib.format.read_magic(f)
        read = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, _ = read(f)
    return tuple(shape)


def npz_info(path: str) -> DatasetInfo:
    """The card of an ``.npz`` archive; the images themselves are not loaded."""
    file = Path(path).expanduser()
    with _open(file) as archive:
        own_split = _own_split(archive)
        name = "x_train" if own_split else "x"
        shape = _x_header(file, name)
        n_classes = _label_count(archive, file) if own_split else 0
        y, classes = _labels_and_classes(archive, shape[0], file, name.replace("x", "y"), n_classes)
    channels = shape[3] if len(shape) == 4 else 1
    height, width = shape[1], shape[2]
    count = shape[0] + (_x_header(file, "x_test")[0] if own_split else 0)
    split = f", {shape[0]} train + {count - shape[0]} test of its own" if own_split else ""
    return DatasetInfo(
        name=f"npz:{path}",
        description=f"Your arrays in {path} ({count} images of {height}x{width}{split}, "
        f"{'labelled' if y is not None else 'unlabelled'}).",
        channels=channels,
        native_size=height if height == width else None,
        size=count,
        classes=tuple(classes),
        labelled=y is not None,
    )
