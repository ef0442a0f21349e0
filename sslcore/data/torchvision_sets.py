"""MNIST, Fashion-MNIST, CIFAR-10 and STL-10, read from a local data root.

The files are looked up under ``data.root`` (or ``$SSL_LAB_DATA``, or ``./data``) in the
layout torchvision uses, so a root shared with other torchvision code just works. Nothing is
downloaded unless ``data.download`` is on (``--download`` on the command line, the "Download"
switch in the lab); when files are missing, the error says exactly which, where, and how to get
them. Each set uses its own official train/test split; ``stl10`` uses its labelled 5,000 / 8,000
images (96x96, resized to the run's size); ``stl10_unlabeled`` and ``stl10_train_unlabeled``
pretrain on the 100,000 unlabelled ones and evaluate with the labelled splits
(:mod:`sslcore.data.stl10_unlabeled`).

MNIST and Fashion-MNIST are read by torchvision itself. CIFAR-10 and STL-10 are read here
(see :mod:`sslcore.data.cifar_pickle`): torchvision checks the MD5 of every file first, and for
STL-10 that includes the 2.6 GB unlabelled file, which a labelled-only run neither needs nor
should hash on every start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from shlex import quote

import numpy as np
import torch

from sslcore.data.cifar_pickle import read_cifar_batch
from sslcore.data.dataset import ImageDataset
from sslcore.data.info import DatasetInfo
from sslcore.data.resize import resize_images
from sslcore.data.roots import check_data_path
from sslcore.data.stl10_unlabeled import (
    PRETRAINING_SETS,
    UNLABELED_FILE,
    pretraining_split,
    read_stl10_images,
)

log = logging.getLogger(__name__)

FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
STL10_CLASSES = (
    "airplane",
    "bird",
    "car",
    "cat",
    "deer",
    "dog",
    "horse",
    "monkey",
    "ship",
    "truck",
)


@dataclass(frozen=True)
class TorchvisionSet:
    """Where one torchvision dataset lives under the root and which files each split needs."""

    info: DatasetInfo
    folder: str  # relative to the root, as torchvision lays it out
    files: dict[str, tuple[str, ...]]  # split -> files inside ``folder``
    download_size: str


def _mnist_like(name: str, folder: str, title: str, classes: tuple[str, ...]) -> TorchvisionSet:
    return TorchvisionSet(
        info=DatasetInfo(
            name=name,
            description=title,
            channels=1,
            native_size=28,
            size=70000,
            classes=classes,
            has_test_split=True,
        ),
        folder=f"{folder}/raw",
        files={
            "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
            "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        },
        download_size="about 30 MB",
    )


def _stl10_pretraining(name: str, description: str, size: int) -> TorchvisionSet:
    return TorchvisionSet(
        info=DatasetInfo(
            name=name,
            description=description,
            channels=3,
            native_size=96,
            size=size,
            classes=STL10_CLASSES,
            has_test_split=True,
        ),
        folder="stl10_binary",
        # The labelled training files too: the monitor's kNN bank is made of them.
        files={
            "train": (UNLABELED_FILE, "train_X.bin", "train_y.bin"),
            "test": ("test_X.bin", "test_y.bin"),
        },
        download_size="about 2.6 GB",
    )


SETS: dict[str, TorchvisionSet] = {
    "mnist": _mnist_like(
        "mnist",
        "MNIST",
        "MNIST: 70,000 handwritten digits (60,000 train, 10,000 test), 28x28 grey.",
        tuple(str(d) for d in range(10)),
    ),
    "fashion_mnist": _mnist_like(
        "fashion_mnist",
        "FashionMNIST",
        "Fashion-MNIST: 70,000 Zalando clothing photos in 10 "
        "classes (60,000 train, 10,000 test), 28x28 grey.",
        FASHION_CLASSES,
    ),
    "cifar10": TorchvisionSet(
        info=DatasetInfo(
            name="cifar10",
            description="CIFAR-10: 60,000 small colour photos in 10 "
            "classes (50,000 train, 10,000 test), 32x32 RGB.",
            channels=3,
            native_size=32,
            size=60000,
            classes=CIFAR10_CLASSES,
            has_test_split=True,
        ),
        folder="cifar-10-batches-py",
        files={"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)},
        download_size="about 170 MB",
    ),
    "stl10": TorchvisionSet(
        info=DatasetInfo(
            name="stl10",
            description="STL-10 (labelled part): 13,000 colour photos "
            "in 10 classes (5,000 train, 8,000 test), 96x96 RGB, resized.",
            channels=3,
            native_size=96,
            size=13000,
            classes=STL10_CLASSES,
            has_test_split=True,
        ),
        folder="stl10_binary",
        files={"train": ("train_X.bin", "train_y.bin"), "test": ("test_X.bin", "test_y.bin")},
        download_size="about 2.6 GB",
    ),
    "stl10_unlabeled": _stl10_pretraining(
        "stl10_unlabeled",
        "STL-10 for pretraining: its 100,000 unlabelled colour photos (96x96, resized); kNN "
        "and evaluation use the labelled 5,000 train / 8,000 test images.",
        108000,
    ),
    "stl10_train_unlabeled": _stl10_pretraining(
        "stl10_train_unlabeled",
        "STL-10 for pretraining: the 100,000 unlabelled and the 5,000 labelled training photos "
        "(torchvision's train+unlabeled); kNN and evaluation use the labelled splits.",
        113000,
    ),
}


def data_root(root: str) -> Path:
    """The folder holding torchvision datasets: ``root``, else ``$SSL_LAB_DATA``, else ./data.

    A root typed by a user must lie under the allowed data roots (:mod:`sslcore.data.roots`);
    the server's own default (``$SSL_LAB_DATA`` or ./data) is trusted.
    """
    if root:
        return check_data_path(Path(root))
    return Path(os.environ.get("SSL_LAB_DATA", "") or "data").expanduser().resolve()


def missing_files(source: TorchvisionSet, root: Path, split: str) -> list[Path]:
    folder = root / source.folder
    return [folder / f for f in source.files[split] if not (folder / f).is_file()]


def _download(name: str, root: Path) -> None:
    import torchvision.datasets as tvd  # on first use: it takes a second to load

    fetch: dict[str, Callable[[], object]] = {
        "mnist": lambda: tvd.MNIST(root, download=True),
        "fashion_mnist": lambda: tvd.FashionMNIST(root, download=True),
        "cifar10": lambda: tvd.CIFAR10(root, download=True),
        "stl10": lambda: tvd.STL10(root, split="test", download=True),
    }
    for pretraining in PRETRAINING_SETS:  # the same archive holds the unlabelled images
        fetch[pretraining] = fetch["stl10"]
    log.info("downloading %s into %s", name, root)
    root.mkdir(parents=True, exist_ok=True)
    try:
        fetch[name]()
    except (RuntimeError, OSError) as err:
        raise FileNotFoundError(
            f"could not download {name} into {root}: {err}. Copy the files there instead."
        ) from None


def _read_mnist(name: str, root: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    import torchvision.datasets as tvd  # on first use: it takes a second to load

    cls = tvd.MNIST if name == "mnist" else tvd.FashionMNIST
    dataset = cls(root, train=split == "train", download=False)
    return dataset.data.unsqueeze(1), dataset.targets.long()


def _read_cifar10(folder: Path, files: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    batches = [read_cifar_batch(folder / f) for f in files]
    images = np.concatenate([b[0] for b in batches])
    labels = np.concatenate([b[1] for b in batches])
    return torch.from_numpy(images), torch.from_numpy(labels)


def _read_stl10(
    folder: Path, files: tuple[str, ...], image_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    images_path, labels_path = folder / files[0], folder / files[1]
    images = read_stl10_images(images_path, image_size)
    labels = np.fromfile(labels_path, dtype=np.uint8).astype(np.int64) - 1  # stored as 1..10
    if labels.shape[0] != images.shape[0]:
        raise ValueError(f"{labels_path} has {labels.shape[0]} labels for {images.shape[0]} images")
    return images, torch.from_numpy(labels)


def load_torchvision_set(
    name: str, root: str, split: str, image_size: int, download: bool = False
) -> ImageDataset:
    """One official split of a torchvision dataset, resized to ``image_size``.

    Raises:
        FileNotFoundError: files are missing (and download is off or failed); the message
            names the files, where they are expected and how to get them.
    """
    source = SETS[name]
    folder = data_root(root)
    if missing_files(source, folder, split) and download:
        _download(name, folder)
    missing = missing_files(source, folder, split)
    if missing:
        command = f"sslcore train --dataset {name} --download --set data.root={quote(str(folder))}"
        raise FileNotFoundError(
            f"{name} ({split}) is not in the data root {folder}: missing "
            f"{', '.join(str(p) for p in missing)}. Turn on Download ({source.download_size}: "
            f"the lab's Download switch, or `{command}`), or copy the files into "
            f"{folder / source.folder}, or set the data root (data.root / $SSL_LAB_DATA) to the "
            "folder that holds them."
        )
    if name in PRETRAINING_SETS and split == "train":
        labelled = load_torchvision_set("stl10", root, "train", image_size)
        return pretraining_split(name, folder / source.folder, image_size, labelled)
    if name in ("mnist", "fashion_mnist"):
        images, labels = _read_mnist(name, folder, split)
    elif name == "cifar10":
        images, labels = _read_cifar10(folder / source.folder, source.files[split])
    else:  # STL-10's labelled splits, resized as they are read
        images, labels = _read_stl10(folder / source.folder, source.files[split], image_size)
    return ImageDataset(
        name=name,
        images=resize_images(images, image_size),
        labels=labels,
        classes=list(source.info.classes),
    )
