"""``folder:<path>``: your own images from a folder.

Two layouts are understood:

- **class subfolders** (``cats/``, ``dogs/``, ...): labelled, one class per subfolder (images may
  sit in deeper folders inside it); files loose next to the subfolders are ignored;
- **a flat folder** of images: unlabelled (kNN and linear probes then have nothing to score, but
  every self-supervised objective trains).

Any file Pillow reads is used (PNG, JPEG, BMP, GIF, TIFF, WebP, ...). Images stay grey (one
channel) when every image is grey, else all become RGB. Each is centre-cropped to a square and
resized to the run's size. Unreadable or corrupt files are skipped, logged and counted in
``ImageDataset.skipped``: one bad file never stops a run. Hidden files (``.DS_Store``) are ignored.

On a shared server only folders under the allowed data roots are read (:mod:`sslcore.data.roots`);
a file inside such a folder that is a link to somewhere outside them is left out.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from sslcore.data.dataset import ImageDataset
from sslcore.data.info import DatasetInfo
from sslcore.data.resize import resize_images
from sslcore.data.roots import allowed_roots, check_data_path, is_inside

log = logging.getLogger(__name__)
GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def _usable(path: Path, roots: tuple[Path, ...] | None) -> bool:
    """A visible file that, links resolved, lies under the allowed roots (if any)."""
    if not (path.is_file() and _visible(path)):
        return False
    if roots is not None and not is_inside(path, roots):
        log.warning("leaving out %s: it links outside the allowed data roots", path)
        return False
    return True


def _check_folder(path: Path) -> None:
    check_data_path(path)  # before looking: a refusal says nothing about what is outside
    if not path.exists():
        raise FileNotFoundError(f"image folder {path} does not exist")
    if not path.is_dir():
        raise ValueError(f"{path} is not a folder: folder:<path> needs a folder of images")


def scan_folder(path: Path) -> tuple[list[Path], list[int], list[str]]:
    """The files of an image folder, their class indices and the class names.

    Returns ``(files, labels, classes)``; for a flat folder ``labels`` and ``classes`` are empty.

    Raises:
        PermissionError: the folder is outside the allowed data roots.
        FileNotFoundError: the folder does not exist.
        ValueError: it is not a folder, or it holds no files.
    """
    _check_folder(path)
    roots = allowed_roots()
    entries = sorted(p for p in path.iterdir() if _visible(p))
    subfolders = [p for p in entries if p.is_dir()]
    files: list[Path] = []
    labels: list[int] = []
    classes: list[str] = []
    if subfolders:
        loose = [p for p in entries if p.is_file()]
        if loose:
            log.warning("%s: ignoring %d file(s) next to the class subfolders", path, len(loose))
        for folder in subfolders:
            inside = sorted(p for p in folder.rglob("*") if _usable(p, roots))
            if not inside:
                log.warning("%s: class folder %s is empty and is left out", path, folder.name)
                continue
            files += inside
            labels += [len(classes)] * len(inside)
            classes.append(folder.name)
    else:
        files = [p for p in entries if _usable(p, roots)]
    if not files:
        raise ValueError(
            f"image folder {path} holds no files: put images in it, in class subfolders "
            "(cats/, dogs/, ...) for labels or directly inside for unlabelled images"
        )
    return files, labels, classes


def _grey_pixels(image: Image.Image) -> np.ndarray:
    """A grey image as (H, W) uint8. Pillow's own conversion clips 16-bit and float pixels (a
    16-bit 40000 becomes 255); here they are scaled: 16-bit by 1/257, floats in [0, 1] by 255."""
    if image.mode.startswith("I"):  # "I;16", "I;16B", "I": 16-bit grey PNG and TIFF
        values = np.asarray(image, dtype=np.float64) / 257.0
    elif image.mode == "F":
        values = np.nan_to_num(np.asarray(image, dtype=np.float64))
        values = values * 255.0 if values.size and values.max() <= 1.0 else values
    else:
        return np.array(image.convert("L"), dtype=np.uint8)
    return np.clip(values.round(), 0, 255).astype(np.uint8)


def _read_image(file: Path, image_size: int) -> torch.Tensor:
    """One image as (C, S, S) uint8, C = 1 for grey images, else 3."""
    with Image.open(file) as image:
        image.draft("RGB", (image_size, image_size))  # JPEG: decode at a reduced scale
        if image.mode in GREY_MODES:
            array = _grey_pixels(image)
        else:
            array = np.array(image.convert("RGB"), dtype=np.uint8)
        pixels = torch.from_numpy(array)
    pixels = pixels.unsqueeze(0) if pixels.ndim == 2 else pixels.permute(2, 0, 1)
    return resize_images(pixels.unsqueeze(0), image_size)[0]


def load_folder(path: str, image_size: int) -> ImageDataset:
    """All readable images of a folder, resized to ``image_size`` (see the module docstring).

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: it is not a folder, holds no files, or none of them is an image.
    """
    folder = Path(path).expanduser()
    files, labels, classes = scan_folder(folder)
    images: list[torch.Tensor] = []
    kept: list[int] = []
    for i, file in enumerate(files):
        try:
            images.append(_read_image(file, image_size))
        # A user's folder can hold anything; Pillow raises many kinds of errors on bad files.
        except Exception as err:  # noqa: BLE001
            log.warning("skipping %s: not a readable image (%s)", file, err)
            continue
        kept.append(i)
    skipped = len(files) - len(kept)
    if not images:
        raise ValueError(f"none of the {len(files)} files in {folder} could be read as an image")
    if skipped:
        log.warning("%s: skipped %d unreadable file(s) of %d", folder, skipped, len(files))
    channels = max(im.shape[0] for im in images)
    stacked = torch.stack([im.expand(channels, -1, -1) for im in images])
    return ImageDataset(
        name=f"folder:{path}",
        images=stacked.contiguous(),
        labels=torch.tensor([labels[i] for i in kept], dtype=torch.int64) if classes else None,
        classes=classes,
        skipped=skipped,
    )


def folder_info(path: str) -> DatasetInfo:
    """The card of an image folder, from its file listing only (nothing is decoded)."""
    files, _, classes = scan_folder(Path(path).expanduser())
    kind = f"{len(classes)} classes" if classes else "unlabelled"
    return DatasetInfo(
        name=f"folder:{path}",
        description=f"Your images in {path} ({len(files)} files, {kind}).",
        channels=None,
        native_size=None,
        size=len(files),
        classes=tuple(classes),
        labelled=bool(classes),
    )
