"""The procedural shapes: deterministic per (seed, split, index), factors match the pixels."""

import colorsys

import numpy as np
import pytest
import torch

from sslcore.data.shapes import COLOUR_NAMES, FACTOR_KINDS, SHAPE_NAMES, make_shapes


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(200, image_size=32, seed=3)


def test_images_labels_and_factor_metadata(shapes):
    assert shapes.images.shape == (200, 3, 32, 32) and shapes.images.dtype == torch.uint8
    assert torch.equal(shapes.labels, shapes.factors["shape"])
    assert shapes.classes == SHAPE_NAMES and len(SHAPE_NAMES) == 6
    assert shapes.factor_kinds == FACTOR_KINDS
    assert shapes.factor_classes == {"shape": SHAPE_NAMES, "colour": COLOUR_NAMES}
    for name, kind in FACTOR_KINDS.items():
        assert shapes.factors[name].dtype == (
            torch.int64 if kind == "categorical" else torch.float32
        )
    # every shape and colour occurs
    assert set(shapes.labels.tolist()) == set(range(6))
    assert set(shapes.factors["colour"].tolist()) == set(range(6))


def test_same_seed_same_images_and_longer_extends_shorter(shapes):
    again = make_shapes(50, image_size=32, seed=3)
    assert torch.equal(again.images, shapes.images[:50])
    assert torch.equal(again.factors["angle"], shapes.factors["angle"][:50])


def test_different_index_seed_or_split_gives_different_images(shapes):
    images = shapes.images.flatten(1)
    assert len({tuple(row.tolist()) for row in images}) == len(images)
    other_seed = make_shapes(50, image_size=32, seed=4)
    test_split = make_shapes(50, image_size=32, seed=3, split="test")
    assert not torch.equal(other_seed.images, shapes.images[:50])
    assert not torch.equal(test_split.images, shapes.images[:50])


def _coverage(image: torch.Tensor) -> torch.Tensor:
    """Per-pixel share of the shape, from the distance to the corner (background) colour."""
    pixels = image.float()
    background = pixels[:, 0, 0].view(3, 1, 1)
    contrast = (pixels - background).abs().sum(0)
    return contrast / contrast.max()


def test_colour_factor_matches_mean_colour_of_the_shape(shapes):
    for i in range(len(shapes)):
        image = shapes.images[i].float()
        inside = _coverage(shapes.images[i]) > 0.99
        r, g, b = (image[:, inside].mean(1) / 255).tolist()
        hue = colorsys.rgb_to_hsv(r, g, b)[0]
        assert int(hue * 6) == int(shapes.factors["colour"][i])
        assert hue == pytest.approx(float(shapes.factors["hue"][i]), abs=0.01)


def test_x_y_factors_match_the_centroid_of_the_shape(shapes):
    centres = torch.arange(32, dtype=torch.float32) + 0.5
    for i in range(len(shapes)):
        w = _coverage(shapes.images[i])
        cx = float((w.sum(0) * centres).sum() / w.sum()) / 32
        cy = float((w.sum(1) * centres).sum() / w.sum()) / 32
        assert cx == pytest.approx(float(shapes.factors["x"][i]), abs=0.4 / 32)
        assert cy == pytest.approx(float(shapes.factors["y"][i]), abs=0.4 / 32)


def test_size_factor_orders_the_area_within_a_shape(shapes):
    area = torch.stack([_coverage(im).sum() for im in shapes.images])
    for k in range(len(SHAPE_NAMES)):
        rows = shapes.labels == k
        size = shapes.factors["size"][rows].numpy()
        assert np.corrcoef(size, area[rows].numpy())[0, 1] > 0.95


@pytest.mark.parametrize("size", [8, 16, 24, 64])
def test_any_image_size_keeps_the_shape_inside_the_frame(size):
    data = make_shapes(64, image_size=size, seed=0)
    assert data.images.shape == (64, 3, size, size)
    border = torch.cat(
        [
            data.images[..., 0, :],
            data.images[..., -1, :],
            data.images[..., :, 0],
            data.images[..., :, -1],
        ],
        dim=-1,
    )
    corner = data.images[..., :1, :1].flatten(2)
    # the border is pure background except for anti-aliased touches at the smallest sizes
    assert ((border.int() - corner.int()).abs() > 2).float().mean() < (0.05 if size > 8 else 0.3)


def test_bad_split_is_a_clear_error():
    with pytest.raises(ValueError, match="split 'val'"):
        make_shapes(4, split="val")
