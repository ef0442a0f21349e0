"""Presets and the preview grid."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sslcore.augment import preset, preview
from sslcore.config import PRESETS, ConfigError

torch.set_num_threads(1)


@pytest.mark.parametrize("name", [p for p in PRESETS if p != "custom"])
def test_every_preset_is_a_valid_config_named_after_itself(name):
    assert preset(name).preset == name


def test_presets_say_what_they_promise():
    simclr = preset("simclr")
    assert (simclr.crop_scale_min, simclr.color_jitter_strength) == (0.3, 0.75)
    assert (simclr.color_jitter_prob, simclr.grayscale_prob, simclr.blur_prob) == (0.8, 0.2, 0.5)
    assert preset("byol").asymmetric
    mae = preset("mae")
    assert mae.color_jitter_prob == 0 and mae.grayscale_prob == 0 and mae.flip_prob == 0.5


@pytest.mark.parametrize("name", ["custom", "autoaugment"])
def test_unknown_or_custom_preset_is_a_config_error(name):
    with pytest.raises(ConfigError, match="augment.preset"):
        preset(name)


@pytest.mark.parametrize("channels", [1, 3])
def test_preview_is_a_uint8_grid_of_views(channels):
    images = torch.randint(0, 256, (4, channels, 12, 12), dtype=torch.uint8)
    grid = preview(images, preset("simclr"), n_views=3, seed=0)
    assert grid.shape == (4, 3, 12, 12, channels) and grid.dtype == np.uint8
    assert np.array_equal(grid, preview(images, preset("simclr"), n_views=3, seed=0))
    assert not np.array_equal(grid[:, 0], grid[:, 1])


def test_preview_of_none_shows_the_images():
    images = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
    grid = preview(images, preset("none"), n_views=2, seed=0)
    assert np.array_equal(grid[:, 1], images.permute(0, 2, 3, 1).numpy())
