"""``npz:<path>``: your own images from a NumPy ``.npz`` archive.

The archive holds:

- ``x`` (required): uint8 images, (N, H, W) grey or (N, H, W, C) with C = 1 or 3;
- ``y`` (optional): (N,) non-negative integer class labels;
- ``classes`` (optional, with ``y``): (K,) strings naming the classes, K > max(y).

Make one with ``np.savez("mine.npz", x=images, y=labels, classes=np.array(["cat", "dog"]))``.
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
    if "x" not in archive.files:
        found = ", ".join(archive.files) or "none"
        raise ValueError(
            f"{path} has no array 'x' (arrays found: {found}): 'x' must hold "
            "the images, uint8 (N, H, W) or (N, H, W, C)"
        )
    return archive


def _array(archive: np.lib.npyio.NpzFile, name: str, path: Path) -> np.ndarray:
    try:
        return archive[name]
    except ValueError as err:  # object arrays need pickle, which is refused
        raise ValueError(
            f"{path}: array {name!r} cannot be read without pickle ({err}); save "
            "plain numeric or string arrays"
        ) from None


def _check_images(x: np.ndarray, path: Path) -> np.ndarray:
    """``x`` as (N, C, H, W) uint8."""
    if x.dtype != np.uint8:
        raise ValueError(
            f"{path}: array 'x' must be uint8 (0-255), got {x.dtype}; convert "
            "with (x * 255).round().astype(np.uint8) if it holds floats in [0, 1]"
        )
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[-1] in (1, 3):
        x = x.transpose(0, 3, 1, 2)
    else:
        raise ValueError(
            f"{path}: array 'x' must be (N, H, W) or (N, H, W, C) with C = 1 or 3, "
            f"got shape {x.shape}"
        )
    if x.shape[0] == 0 or min(x.shape[2:]) == 0:
        raise ValueError(f"{path}: array 'x' holds no images (shape {x.shape})")
    return np.ascontiguousarray(x)


def _check_labels(y: np.ndarray, n: int, path: Path) -> np.ndarray:
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{path}: array 'y' must hold integer class labels, got {y.dtype}")
    if y.shape != (n,):
        raise ValueError(
            f"{path}: array 'y' must have shape ({n},), one label per image in 'x', got {y.shape}"
        )
    if y.min() < 0:
        raise ValueError(f"{path}: array 'y' must hold labels 0, 1, 2, ..., found {y.min()}")
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
    archive: np.lib.npyio.NpzFile, n: int, path: Path
) -> tuple[np.ndarray | None, list[str]]:
    if "y" not in archive.files:
        if "classes" in archive.files:
            raise ValueError(
                f"{path}: array 'classes' is given without 'y': add the labels as "
                "'y' or drop 'classes'"
            )
        return None, []
    y = _check_labels(_array(archive, "y", path), n, path)
    n_classes = int(y.max()) + 1
    if "classes" not in archive.files:
        return y, [str(i) for i in range(n_classes)]
    return y, _check_classes(_array(archive, "classes", path), n_classes, path)


def load_npz(path: str, image_size: int) -> ImageDataset:
    """The images (and labels) of an ``.npz`` archive, resized to ``image_size``.

    Raises:
        PermissionError: the file is outside the allowed data roots.
        FileNotFoundError: the file does not exist.
        ValueError: it is not an .npz archive, or an array has the wrong shape or type (the
            message names the array and what is expected).
    """
    file = Path(path).expanduser()
    with _open(file) as archive:
        x = _check_images(_array(archive, "x", file), file)
        y, classes = _labels_and_classes(archive, x.shape[0], file)
    return ImageDataset(
        name=f"npz:{path}",
        images=resize_images(torch.from_numpy(x), image_size),
        labels=None if y is None else torch.from_numpy(y),
        classes=classes,
    )


def _x_header(file: Path) -> tuple[int, ...]:
    """The shape of array ``x``, read from its header without loading the images."""
    with zipfile.ZipFile(file) as zf, zf.open("x.npy") as f:
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
        shape = _x_header(file)
        y, classes = _labels_and_classes(archive, shape[0], file)
    channels = shape[3] if len(shape) == 4 else 1
    height, width = shape[1], shape[2]
    return DatasetInfo(
        name=f"npz:{path}",
        description=f"Your arrays in {path} ({shape[0]} images of {height}x{width}, "
        f"{'labelled' if y is not None else 'unlabelled'}).",
        channels=channels,
        native_size=height if height == width else None,
        size=shape[0],
        classes=tuple(classes),
        labelled=y is not None,
    )
