"""folder:<path>: class subfolders, flat folders, grey images, corrupt and empty folders."""

import logging

import numpy as np
import pytest
import torch
from PIL import Image

from sslcore.config import DataConfig
from sslcore.data import clear_cache, dataset_info, load_dataset
from sslcore.data.folder import load_folder


def _save(path, colour, size=(20, 12), mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path)


@pytest.fixture
def classes_folder(tmp_path):
    root = tmp_path / "pets"
    for i in range(4):
        _save(root / "cats" / f"c{i}.png", (255, 0, 0))
        _save(root / "dogs" / "nested" / f"d{i}.jpg", (0, 0, 255))
    (root / "dogs" / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    (root / "cats" / "notes.txt").write_text("not an image")
    (root / ".DS_Store").write_bytes(b"\0")
    return root


def test_class_subfolders_are_labelled_and_corrupt_files_skipped(classes_folder, caplog):
    with caplog.at_level(logging.WARNING, logger="sslcore.data.folder"):
        data = load_folder(str(classes_folder), 16)
    assert data.classes == ["cats", "dogs"]
    assert data.skipped == 2 and "broken.jpg" in caplog.text
    assert data.images.shape == (8, 3, 16, 16)
    assert data.labels.tolist() == [0] * 4 + [1] * 4
    red = data.images[data.labels == 0].float().mean((0, 2, 3))
    assert red[0] > 250 and red[2] < 5
    assert data.name == f"folder:{classes_folder}"


def test_flat_folder_is_unlabelled_and_grey_images_stay_grey(tmp_path):
    for i in range(5):
        _save(tmp_path / f"{i}.png", 40 * i, mode="L")
    data = load_folder(str(tmp_path), 8)
    assert data.labels is None and data.classes == []
    assert data.images.shape == (5, 1, 8, 8)
    assert data.images[:, 0, 0, 0].tolist() == [0, 40, 80, 120, 160]


def test_mixed_grey_and_colour_become_rgb(tmp_path):
    _save(tmp_path / "grey.png", 100, mode="L")
    _save(tmp_path / "colour.png", (0, 200, 0))
    data = load_folder(str(tmp_path), 8)
    assert data.images.shape == (2, 3, 8, 8)
    assert data.images[0, :, 0, 0].tolist() == [0, 200, 0]  # sorted: colour.png first
    assert data.images[1, :, 0, 0].tolist() == [100, 100, 100]


def test_non_square_images_are_centre_cropped(tmp_path):
    pixels = np.zeros((10, 30, 3), dtype=np.uint8)
    pixels[:, 10:20] = 255  # a white centre square between black side bands
    Image.fromarray(pixels).save(tmp_path / "wide.png")
    data = load_folder(str(tmp_path), 10)
    assert torch.all(data.images == 255)


def test_empty_missing_and_unreadable_folders_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="holds no files"):
        load_folder(str(tmp_path), 16)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_folder(str(tmp_path / "nope"), 16)
    (tmp_path / "junk.png").write_bytes(b"junk")
    with pytest.raises(ValueError, match="none of the 1 files"):
        load_folder(str(tmp_path), 16)


def test_load_dataset_splits_a_folder_and_info_needs_no_decoding(classes_folder):
    config = DataConfig(dataset=f"folder:{classes_folder}", image_size=16, test_fraction=0.25)
    clear_cache()
    train, test = load_dataset(config, "train"), load_dataset(config, "test")
    assert (len(train), len(test)) == (6, 2) and train.skipped == 2
    info = dataset_info(config.dataset)
    assert (
        info.classes == ("cats", "dogs") and info.labelled and info.size == 10
    )  # 8 images + 2 bad files; hidden ones ignored
