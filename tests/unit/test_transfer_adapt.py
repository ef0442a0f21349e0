"""Fitting another dataset's images to a backbone: 1 <-> 3 channels and size, always reported."""

from __future__ import annotations

import pytest
import torch

from sslcore.config import DataConfig
from sslcore.transfer.adapt import adapt_dataset, adapt_images, convert_channels
from sslcore.transfer.target import load_target, transfer_name


def test_grey_to_rgb_replicates_the_channel():
    grey = torch.randint(0, 256, (2, 1, 4, 4), dtype=torch.uint8)
    rgb = convert_channels(grey, 3)
    assert rgb.shape == (2, 3, 4, 4) and all(torch.equal(rgb[:, c], grey[:, 0]) for c in range(3))


def test_rgb_to_grey_takes_the_luminance():
    primaries = torch.zeros(3, 3, 1, 1, dtype=torch.uint8)
    for c in range(3):
        primaries[c, c] = 255  # pure red, green, blue
    grey = convert_channels(primaries, 1)
    assert grey.shape == (3, 1, 1, 1)
    assert grey.flatten().tolist() == [76, 150, 29]  # 255 x (0.299, 0.587, 0.114), rounded


def test_other_channel_counts_are_refused():
    with pytest.raises(ValueError, match="only grey \\(1\\) <-> RGB \\(3\\)"):
        convert_channels(torch.zeros(1, 4, 2, 2, dtype=torch.uint8), 3)


def test_resizing_and_conversion_are_reported():
    images = torch.randint(0, 256, (3, 1, 8, 8), dtype=torch.uint8)
    out, adaptation = adapt_images(images, 3, 16)
    assert out.shape == (3, 3, 16, 16) and out.dtype == torch.uint8
    assert adaptation.as_dict() == {"channels": "1 -> 3 (replicated)", "size": "8 -> 16 (bilinear)"}
    assert adaptation.changed
    same, unchanged = adapt_images(out, 3, 16)
    assert torch.equal(same, out) and not unchanged.changed
    assert unchanged.as_dict() == {"channels": "3 (unchanged)", "size": "16 (unchanged)"}


def test_a_constant_image_stays_constant_when_shrunk():
    images = torch.full((1, 3, 32, 32), 200, dtype=torch.uint8)
    out, adaptation = adapt_images(images, 1, 16)
    assert adaptation.size == "32 -> 16 (bilinear)" and adaptation.channels == "3 -> 1 (luminance)"
    assert out.shape == (1, 1, 16, 16) and torch.all(out == 200)


def test_adapt_dataset_keeps_labels():
    train, _, _ = load_target(DataConfig(), "digits", 1, 8)
    adapted, _ = adapt_dataset(train, 3, 16)
    assert adapted.labels is train.labels and adapted.images.shape[1:] == (3, 16, 16)


def test_digits_loaded_for_an_rgb_16px_backbone_are_adapted_from_8px_grey():
    train, test, adaptation = load_target(DataConfig(), "digits", 3, 16)
    assert adaptation.as_dict() == {"channels": "1 -> 3 (replicated)", "size": "8 -> 16 (bilinear)"}
    assert train.images.shape[1:] == test.images.shape[1:] == (3, 16, 16)
    assert len(train) + len(test) == 1797 and train.classes == [str(d) for d in range(10)]


def test_result_names_are_file_safe():
    assert transfer_name("digits") == "digits"
    assert transfer_name("folder:/data/my cats") == "folder-data-my-cats"
