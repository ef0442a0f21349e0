"""Seeded train/test splits for datasets that have no test split of their own.

MNIST, Fashion-MNIST, CIFAR-10 and STL-10 come with an official test split and use it. Digits,
image folders and ``.npz`` files are split here: a seeded permutation, with ``test_fraction`` of
the images held out. The same (n, fraction, seed) always gives the same split, and the two parts
never share an image.
"""

from __future__ import annotations

import torch
from torch import Tensor

from sslcore.data.dataset import ImageDataset

SPLITS = ("train", "test")


def check_split(split: str) -> None:
    """Raise ValueError unless ``split`` is ``"train"`` or ``"test"``."""
    if split not in SPLITS:
        raise ValueError(f"split {split!r} is not allowed: use 'train' or 'test'")


def split_indices(n: int, test_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    """Disjoint (train, test) index tensors covering ``range(n)``, each sorted.

    The test part holds ``round(n * test_fraction)`` images, at least one and at most ``n - 1``
    (so both parts are non-empty once ``n >= 2``).
    """
    if n < 2:
        raise ValueError(f"cannot split {n} image(s) into train and test: at least 2 are needed")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    n_test = min(max(1, round(n * test_fraction)), n - 1)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n_test:].sort().values, order[:n_test].sort().values


def take_split(dataset: ImageDataset, split: str, test_fraction: float, seed: int) -> ImageDataset:
    """The ``split`` part of a dataset that has no test split of its own."""
    check_split(split)
    train, test = split_indices(len(dataset), test_fraction, seed)
    return dataset.subset(train if split == "train" else test)
