"""MNIST, Fashion-MNIST, CIFAR-10 and STL-10 from small fakes in their real on-disk formats."""

import os
import pickle
import struct

import numpy as np
import pytest
import torch

from sslcore.config import DataConfig
from sslcore.data import clear_cache, load_dataset
from sslcore.data.cifar_pickle import read_cifar_batch
from sslcore.data.torchvision_sets import load_torchvision_set


def _images(n: int, channels: int, side: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, channels, side, side), dtype=np.uint8)


def _write_idx(folder, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    """MNIST's IDX files: big-endian magic (0x0803 images, 0x0801 labels), sizes, raw bytes."""
    n, side = images.shape[0], images.shape[-1]
    (folder / f"{prefix}-images-idx3-ubyte").write_bytes(
        struct.pack(">IIII", 0x0803, n, side, side) + images.tobytes()
    )
    (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(
        struct.pack(">II", 0x0801, n) + labels.astype(np.uint8).tobytes()
    )


@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_mnist_like_reads_idx_files_through_torchvision(tmp_path, name, folder):
    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    train, test = _images(12, 1, 28, 0), _images(5, 1, 28, 1)
    _write_idx(raw, "train", train[:, 0], np.arange(12) % 10)
    _write_idx(raw, "t10k", test[:, 0], np.arange(5))
    got = load_torchvision_set(name, str(tmp_path), "train", 28)
    assert torch.equal(got.images, torch.from_numpy(train))
    assert got.labels.tolist() == (np.arange(12) % 10).tolist() and len(got.classes) == 10
    small = load_torchvision_set(name, str(tmp_path), "test", 16)
    assert small.images.shape == (5, 1, 16, 16) and small.labels.tolist() == [0, 1, 2, 3, 4]


def _write_cifar_batch(path, images: np.ndarray, labels: list[int]) -> None:
    entry = {
        "batch_label": "fake",
        "labels": labels,
        "data": images.reshape(len(labels), -1),
        "filenames": [f"{i}.png" for i in range(len(labels))],
    }
    with open(path, "wb") as f:
        pickle.dump(entry, f, protocol=2)


def test_cifar10_reads_python_batches_without_md5(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batches = [_images(3, 3, 32, i) for i in range(5)]
    for i, batch in enumerate(batches, start=1):
        _write_cifar_batch(folder / f"data_batch_{i}", batch, [i, i, i])
    test = _images(4, 3, 32, 9)
    _write_cifar_batch(folder / "test_batch", test, [9, 8, 7, 6])
    config = DataConfig(dataset="cifar10", root=str(tmp_path), image_size=32)
    clear_cache()
    train = load_dataset(config, "train")
    assert torch.equal(train.images, torch.from_numpy(np.concatenate(batches)))
    assert train.labels.tolist() == [1] * 3 + [2] * 3 + [3] * 3 + [4] * 3 + [5] * 3
    assert train.classes[0] == "airplane"
    got = load_dataset(config, "test")
    assert torch.equal(got.images, torch.from_numpy(test)) and got.labels.tolist() == [9, 8, 7, 6]


def test_cifar_batch_with_code_in_it_is_refused(tmp_path):
    class Exploit:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({"data": Exploit(), "labels": [0]}, protocol=2))
    with pytest.raises(ValueError, match="not allowed"):
        read_cifar_batch(path)
    assert not (tmp_path / "pwned").exists()


def test_stl10_reads_labelled_binaries_column_major(tmp_path):
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    for split, n in (("train", 3), ("test", 2)):
        images = _images(n, 3, 96, n)
        # STL-10 stores each channel column-major, as (N, C, W, H); labels are 1..10.
        (folder / f"{split}_X.bin").write_bytes(images.transpose(0, 1, 3, 2).tobytes())
        (folder / f"{split}_y.bin").write_bytes(np.arange(1, n + 1, dtype=np.uint8).tobytes())
        full = load_torchvision_set("stl10", str(tmp_path), split, 96)
        assert torch.equal(full.images, torch.from_numpy(images))
        assert full.labels.tolist() == list(range(n))
    resized = load_torchvision_set("stl10", str(tmp_path), "train", 32)
    assert resized.images.shape == (3, 3, 32, 32)
    # antialiased downscaling keeps the mean brightness
    assert resized.images.float().mean() == pytest.approx(full.images.float().mean(), abs=2)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("mnist", "MNIST/raw/train-images-idx3-ubyte"),
        ("fashion_mnist", "FashionMNIST/raw/train-images-idx3-ubyte"),
        ("cifar10", "cifar-10-batches-py/data_batch_1"),
        ("stl10", "stl10_binary/train_X.bin"),
    ],
)
def test_missing_files_say_where_and_how_to_get_them(tmp_path, name, expected):
    with pytest.raises(FileNotFoundError) as err:
        load_torchvision_set(name, str(tmp_path), "train", 32)
    message = str(err.value)
    assert str(tmp_path / expected) in message
    assert "--download" in message and "copy the files" in message


def test_empty_root_falls_back_to_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_LAB_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_torchvision_set("cifar10", "", "test", 32)
