"""STL-10 for pretraining: its 100,000 unlabelled photos, evaluated with its labelled splits.

STL-10 was made for self-supervised and semi-supervised learning: besides 5,000 labelled
training and 8,000 labelled test images (96x96, 10 classes) it ships 100,000 unlabelled ones
from a wider range of ImageNet classes. Two dataset names train on them:

- ``stl10_unlabeled``: the 100,000 unlabelled images only;
- ``stl10_train_unlabeled``: those and the 5,000 labelled training images (105,000; the
  ``train+unlabeled`` split of torchvision and the usual STL-10 pretraining set).

Why dataset names and not a switch in the data config: the pretraining images are a different
dataset to train on (another card in the picker, another cache entry, another recipe check),
while everything that reads labels stays on plain ``stl10``. The ``test`` split of both is STL-10's
labelled test split. The ``train`` split is a :class:`PretrainingSplit`: its images carry no
labels, and it keeps STL-10's labelled training split beside them (``labelled``), which the live
monitor's kNN bank uses (:func:`labelled_part`); evaluation (``sslcore eval``) reads plain
``stl10``'s splits (:func:`labelled_dataset`) and never loads the unlabelled file.

The unlabelled file is 2.6 GB (100,000 x 3 x 96 x 96 bytes). It is memory-mapped and resized in
chunks, so a float copy never exists: at ``data.image_size`` 32 the images then take 0.3 GB of
memory, at 96 all 2.8 GB.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from sslcore.data.dataset import ImageDataset
from sslcore.data.resize import resize_images

SIDE = 96
IMAGE_BYTES = 3 * SIDE * SIDE
CHUNK = 4096  # images resized at a time: 113 MB of uint8 from the file
UNLABELED_FILE = "unlabeled_X.bin"
# pretraining dataset name -> whether the 5,000 labelled training images join the unlabelled
PRETRAINING_SETS = {"stl10_unlabeled": False, "stl10_train_unlabeled": True}


@dataclass
class PretrainingSplit(ImageDataset):
    """Images to pretrain on without labels, with the labelled split that evaluates them.

    Attributes:
        labelled: the labelled training images of the same dataset (STL-10's 5,000), for the
            monitor's kNN bank; ``labels`` of the pretraining images themselves is None.
    """

    labelled: ImageDataset | None = None


def labelled_part(train: ImageDataset) -> ImageDataset:
    """The training images whose labels may score a representation: ``train`` itself, or for a
    :class:`PretrainingSplit` its labelled split."""
    if isinstance(train, PretrainingSplit) and train.labelled is not None:
        return train.labelled
    return train


def labelled_dataset(name: str) -> str:
    """The dataset whose labelled splits evaluate a run trained on ``name`` (``stl10`` for the
    pretraining sets, ``name`` itself otherwise)."""
    return "stl10" if name in PRETRAINING_SETS else name


def read_stl10_images(path: Path, image_size: int, before: Tensor | None = None) -> Tensor:
    """An STL-10 image file as uint8 (N, 3, image_size, image_size), read in chunks.

    STL-10 stores each image as 3 x 96 x 96 bytes, each channel column-major, i.e. (C, W, H);
    the file is memory-mapped and transposed chunk by chunk into (C, H, W).

    Args:
        path: an ``*_X.bin`` file.
        image_size: the side to resize to.
        before: images of that size to put first (written into the same tensor, not copied
            again by a concatenation).

    Raises:
        ValueError: the file's size is not a whole number of images.
    """
    size = path.stat().st_size
    if size % IMAGE_BYTES:
        raise ValueError(
            f"{path} is not an STL-10 image file: its size is not a multiple of 3x96x96 bytes"
        )
    n = size // IMAGE_BYTES
    first = 0 if before is None else len(before)
    out = torch.empty((first + n, 3, image_size, image_size), dtype=torch.uint8)
    if before is not None:
        out[:first] = before
    if n == 0:
        return out
    stored = np.memmap(path, dtype=np.uint8, mode="r", shape=(n, 3, SIDE, SIDE))  # (N, C, W, H)
    for start in range(0, n, CHUNK):
        block = np.ascontiguousarray(stored[start : start + CHUNK].transpose(0, 1, 3, 2))
        end = first + start + len(block)
        out[first + start : end] = resize_images(torch.from_numpy(block), image_size)
    del stored  # unmaps the file
    return out


def pretraining_split(
    name: str, folder: Path, image_size: int, labelled: ImageDataset
) -> PretrainingSplit:
    """The ``train`` split of a pretraining set: the unlabelled images (after the labelled
    training images for ``stl10_train_unlabeled``), without labels, ``labelled`` beside them.

    Args:
        name: ``stl10_unlabeled`` or ``stl10_train_unlabeled``.
        folder: the ``stl10_binary`` folder.
        image_size: the run's image size.
        labelled: STL-10's labelled training split at that size.
    """
    before = labelled.images if PRETRAINING_SETS[name] else None
    images = read_stl10_images(folder / UNLABELED_FILE, image_size, before)
    return PretrainingSplit(name=name, images=images, labelled=labelled)
