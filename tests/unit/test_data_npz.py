"""npz:<path>: valid archives load; wrong arrays are clear errors naming the array."""

import numpy as np
import pytest
import torch

from sslcore.config import DataConfig
from sslcore.data import clear_cache, dataset_info, load_dataset
from sslcore.data.npz import load_npz


def _x(shape):
    return np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)


def test_labelled_rgb_archive(tmp_path):
    path = tmp_path / "mine.npz"
    x = _x((10, 8, 8, 3))
    np.savez(path, x=x, y=np.arange(10) % 3, classes=np.array(["a", "b", "c"]))
    data = load_npz(str(path), 8)
    assert torch.equal(data.images, torch.from_numpy(x.transpose(0, 3, 1, 2)))
    assert data.labels.tolist() == (np.arange(10) % 3).tolist() and data.classes == ["a", "b", "c"]
    info = dataset_info(f"npz:{path}")
    assert (info.size, info.channels, info.native_size, info.labelled) == (10, 3, 8, True)


def test_grey_unlabelled_and_labels_without_names(tmp_path):
    np.savez_compressed(tmp_path / "grey.npz", x=_x((6, 12, 12)))
    grey = load_npz(str(tmp_path / "grey.npz"), 16)
    assert grey.images.shape == (6, 1, 16, 16) and grey.labels is None and grey.classes == []
    np.savez(tmp_path / "numbered.npz", x=_x((4, 8, 8, 1)), y=np.array([0, 2, 2, 1], np.int32))
    numbered = load_npz(str(tmp_path / "numbered.npz"), 8)
    assert numbered.classes == ["0", "1", "2"] and numbered.labels.dtype == torch.int64


def test_load_dataset_splits_reproducibly(tmp_path):
    np.savez(tmp_path / "s.npz", x=_x((20, 8, 8)), y=np.arange(20))
    config = DataConfig(dataset=f"npz:{tmp_path / 's.npz'}", image_size=8, test_fraction=0.25)
    clear_cache()
    train, test = load_dataset(config, "train"), load_dataset(config, "test")
    assert len(train) == 15 and len(test) == 5
    assert not set(train.labels.tolist()) & set(test.labels.tolist())


def test_keras_layout_brings_its_own_split(tmp_path):
    """Keras's mnist.npz layout: x_train/y_train and x_test/y_test are the two splits as given."""
    path = tmp_path / "mnist.npz"
    x_train, x_test = _x((12, 8, 8)), _x((5, 8, 8))
    np.savez(path, x_train=x_train, y_train=np.arange(12) % 2, x_test=x_test, y_test=np.full(5, 2))
    config = DataConfig(dataset=f"npz:{path}", image_size=8, test_fraction=0.5)
    clear_cache()
    train, test = load_dataset(config, "train"), load_dataset(config, "test")
    assert torch.equal(train.images[:, 0], torch.from_numpy(x_train))
    assert torch.equal(test.images[:, 0], torch.from_numpy(x_test))
    assert test.labels.tolist() == [2] * 5 and train.classes == test.classes == ["0", "1", "2"]
    info = dataset_info(f"npz:{path}")
    assert info.size == 17 and "12 train + 5 test" in info.description and info.labelled


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"x_train": _x((4, 8, 8))}, "'x_train' but no 'x_test'"),
        ({"x_train": _x((4, 8, 8)), "x_test": _x((2, 8))}, r"'x_test' must be \(N, H, W\)"),
        (
            {"x_train": _x((4, 8, 8)), "x_test": _x((2, 8, 8)), "y_train": np.arange(3)},
            r"'y_train' must have shape \(4,\), one label per image in 'x_train'",
        ),
    ],
)
def test_bad_own_split_arrays_are_named(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    config = DataConfig(dataset=f"npz:{path}", image_size=8)
    clear_cache()
    with pytest.raises(ValueError, match=message):
        load_dataset(config, "train"), load_dataset(config, "test")


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"images": _x((4, 8, 8))}, "no array 'x'"),
        ({"x": _x((4, 8, 8)).astype(np.float32)}, "'x' must be uint8"),
        ({"x": _x((4, 8))}, r"'x' must be \(N, H, W\)"),
        ({"x": _x((4, 8, 8, 4))}, "C = 1 or 3"),
        ({"x": _x((4, 8, 8)), "y": np.array([0.5, 1, 2, 3])}, "'y' must hold integer"),
        ({"x": _x((4, 8, 8)), "y": np.arange(3)}, r"'y' must have shape \(4,\)"),
        ({"x": _x((4, 8, 8)), "y": np.array([0, -1, 1, 1])}, "'y' must hold labels 0, 1"),
        ({"x": _x((4, 8, 8)), "y": np.arange(4), "classes": np.array(["a"])}, "'classes' names 1"),
        ({"x": _x((4, 8, 8)), "classes": np.array(["a"])}, "'classes' is given without 'y'"),
        ({"x": _x((4, 8, 8)), "y": np.arange(4), "classes": np.arange(4)}, "'classes' must be"),
    ],
)
def test_bad_arrays_are_named_in_the_error(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=message):
        load_npz(str(path), 8)


def test_object_arrays_missing_and_non_npz_files(tmp_path):
    np.savez(tmp_path / "obj.npz", x=np.array([object()] * 2, dtype=object))
    with pytest.raises(ValueError, match="'x' cannot be read without pickle"):
        load_npz(str(tmp_path / "obj.npz"), 8)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_npz(str(tmp_path / "none.npz"), 8)
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_npz(str(tmp_path / "text.npz"), 8)
    np.save(tmp_path / "single.npy", _x((2, 8, 8)))
    with pytest.raises(ValueError, match="single .npy array"):
        load_npz(str(tmp_path / "single.npy"), 8)
