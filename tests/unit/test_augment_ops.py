"""Each augmentation op does what it says, and matches torchvision where torchvision has it."""

from __future__ import annotations

import pytest
import torch
import torchvision.transforms.functional as TF

from sslcore.augment.blur import gaussian_blur, kernel_size
from sslcore.augment.color import (
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    luminance,
    random_grayscale,
    solarize,
)
from sslcore.augment.color_jitter import (
    ADJUSTMENTS,
    blend_step,
    jitter_factors,
    random_color_jitter,
)
from sslcore.augment.draws import coin
from sslcore.augment.erasing import random_erasing
from sslcore.augment.geometry import (
    ASPECT_RATIO,
    affine_matrices,
    crop_and_flip,
    random_geometry,
    sample_crop_boxes,
    warp,
)
from sslcore.augment.noise import add_noise

torch.set_num_threads(1)


@pytest.fixture
def images() -> torch.Tensor:
    return torch.rand(6, 3, 16, 16, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize(
    ("ours", "reference", "low", "high"),
    [
        (adjust_brightness, TF.adjust_brightness, 0.2, 1.8),
        (adjust_contrast, TF.adjust_contrast, 0.2, 1.8),
        (adjust_saturation, TF.adjust_saturation, 0.0, 2.0),
        (adjust_hue, TF.adjust_hue, -0.5, 0.5),
    ],
)
def test_colour_adjustments_match_torchvision(images, ours, reference, low, high):
    factors = torch.linspace(low, high, images.shape[0])
    pairs = zip(images, factors, strict=True)
    expected = torch.stack([reference(img, float(f)) for img, f in pairs])
    torch.testing.assert_close(ours(images, factors), expected, atol=2e-6, rtol=0)


def test_hue_and_saturation_leave_grayscale_images_alone():
    gray = torch.rand(3, 1, 8, 8)
    assert torch.equal(adjust_hue(gray, torch.full((3,), 0.3)), gray)
    assert torch.equal(adjust_saturation(gray, torch.full((3,), 1.7)), gray)


def test_half_turn_of_hue_swaps_red_and_cyan():
    red = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    cyan = torch.tensor([0.0, 1.0, 1.0]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    torch.testing.assert_close(adjust_hue(red, torch.tensor([0.5])), cyan)


def test_grayscale_prob_one_gives_equal_channels_with_the_luma(images):
    out = random_grayscale(images, torch.Generator().manual_seed(0), 1.0)
    assert torch.equal(out[:, 0], out[:, 1]) and torch.equal(out[:, 1], out[:, 2])
    torch.testing.assert_close(out[:, :1], TF.rgb_to_grayscale(images))


def test_luminance_of_one_channel_is_the_image():
    gray = torch.rand(2, 1, 4, 4)
    assert luminance(gray) is gray


def test_solarize_inverts_exactly_the_pixels_at_or_above_half():
    x = torch.tensor([0.0, 0.2, 0.49, 0.5, 0.7, 1.0]).view(1, 1, 1, 6)
    expected = torch.tensor([0.0, 0.2, 0.49, 0.5, 0.3, 0.0]).view(1, 1, 1, 6)
    torch.testing.assert_close(solarize(x), expected)


def test_crop_boxes_follow_the_random_resized_crop_rule():
    boxes = sample_crop_boxes(torch.Generator().manual_seed(0), 2000, 32, 32, (0.3, 0.7))
    centre_x, centre_y, w, h = boxes.unbind(1)
    share = w * h / (32 * 32)
    assert share.min() >= 0.3 - 1e-5 and share.max() <= 0.7 + 1e-5
    ratio = w / h
    assert ratio.min() >= ASPECT_RATIO[0] - 1e-5 and ratio.max() <= ASPECT_RATIO[1] + 1e-5
    # Every box lies inside the image, and positions spread over the allowed range.
    assert ((centre_x.abs() + w / 2) <= 16 + 1e-4).all()
    assert ((centre_y.abs() + h / 2) <= 16 + 1e-4).all()
    assert centre_x.std() > 2.0


def test_full_crop_without_flip_or_rotation_is_identity(images):
    out = random_geometry(images, torch.Generator().manual_seed(0), (1.0, 1.0), 0.0, 0.0)
    torch.testing.assert_close(out, images, atol=1e-6, rtol=0)


def test_flip_prob_one_mirrors_every_image(images):
    out = random_geometry(images, torch.Generator().manual_seed(0), (1.0, 1.0), 1.0, 0.0)
    torch.testing.assert_close(out, images.flip(-1), atol=1e-6, rtol=0)


def test_crop_matches_torchvision_resized_crop_away_from_the_far_edge(images):
    # A 8x8 box at the top-left corner, enlarged to 16x16. torchvision clamps at the crop's own
    # border, we at the image's, which only differs in the last row and column.
    boxes = torch.tensor([[-4.0, -4.0, 8.0, 8.0]]).expand(6, 4)
    out = crop_and_flip(images, boxes, torch.zeros(6, dtype=torch.bool))
    expected = TF.resized_crop(images, 0, 0, 8, 8, [16, 16], antialias=False)
    torch.testing.assert_close(out[..., :15, :15], expected[..., :15, :15], atol=1e-5, rtol=0)


def test_separable_crop_equals_grid_sample_warp(images):
    generator = torch.Generator().manual_seed(3)
    boxes = sample_crop_boxes(generator, 6, 16, 16, (0.2, 1.0))
    flip = torch.tensor([True, False, True, False, True, False])
    theta = affine_matrices(boxes, flip, torch.zeros(6), 16, 16)
    torch.testing.assert_close(
        crop_and_flip(images, boxes, flip), warp(images, theta), atol=1e-5, rtol=0
    )


def test_rotation_matches_torchvision_counter_clockwise(images):
    whole = torch.tensor([[0.0, 0.0, 16.0, 16.0]]).expand(6, 4)
    theta = affine_matrices(whole, torch.zeros(6, dtype=torch.bool), torch.full((6,), 90.0), 16, 16)
    expected = TF.rotate(images, 90.0, interpolation=TF.InterpolationMode.BILINEAR)
    torch.testing.assert_close(warp(images, theta), expected, atol=1e-5, rtol=0)


def test_rotation_fills_uncovered_corners_with_black():
    x = torch.ones(1, 1, 16, 16)
    whole = torch.tensor([[0.0, 0.0, 16.0, 16.0]])
    out = warp(
        x, affine_matrices(whole, torch.zeros(1, dtype=torch.bool), torch.tensor([45.0]), 16, 16)
    )
    assert out[0, 0, 0, 0] == 0 and out[0, 0, 8, 8] == 1


@pytest.mark.parametrize("sigma", [0.5, 2.0])
def test_blur_matches_torchvision_gaussian_blur(sigma):
    x = torch.rand(2, 3, 40, 40)
    size = kernel_size(40, 40)
    assert size == 5  # 10% of the side, odd
    expected = TF.gaussian_blur(x, [size, size], [sigma, sigma])
    torch.testing.assert_close(
        gaussian_blur(x, torch.full((2,), sigma)), expected, atol=1e-5, rtol=0
    )


def test_blur_uses_each_images_own_sigma():
    x = torch.rand(1, 3, 32, 32).expand(2, 3, 32, 32)
    out = gaussian_blur(x, torch.tensor([0.1, 2.0]))
    torch.testing.assert_close(out[0], x[0], atol=1e-3, rtol=0)  # sigma 0.1: barely changes
    assert out[1].std() < 0.8 * x[1].std()  # sigma 2: visibly smoother


def test_erasing_blanks_one_rectangle_per_image():
    x = torch.full((20, 3, 16, 16), 0.5)
    out = random_erasing(x, torch.Generator().manual_seed(0), 1.0)
    for image in out:
        erased = image[0] == 0
        rows, cols = erased.any(1).nonzero().flatten(), erased.any(0).nonzero().flatten()
        box_area = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
        assert erased.sum() == box_area  # a filled rectangle
        assert 0.02 * 256 - 8 <= box_area <= 0.33 * 256 + 8  # share of the area, rounded
        assert (image[:, erased] == 0).all() and (image[:, ~erased] == 0.5).all()


def test_noise_has_the_requested_spread_and_stays_in_range():
    x = torch.full((4, 3, 32, 32), 0.5)
    out = add_noise(x, torch.Generator().manual_seed(0), 0.1)
    assert abs(out.std().item() - 0.1) < 0.01 and abs(out.mean().item() - 0.5) < 0.01
    bright = add_noise(torch.ones(2, 1, 8, 8), torch.Generator().manual_seed(0), 0.3)
    assert bright.max() <= 1.0 and bright.min() >= 0.0


def test_colour_jitter_gives_each_image_its_own_factors_and_order():
    x = torch.rand(40, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    out = random_color_jitter(x, torch.Generator().manual_seed(0), 0.5, 1.0, 0.1)
    # Replay the same draws and jitter each image on its own, in its own order.
    replay = torch.Generator().manual_seed(0)
    coin(replay, 40, 1.0)
    factors = jitter_factors(replay, 40, 0.5, 0.1)
    order = torch.argsort(torch.rand(40, 4, generator=replay), dim=1)
    for i in range(40):
        expected = x[i : i + 1]
        for which in order[i].tolist():
            expected = ADJUSTMENTS[which](expected, factors[i : i + 1, which])
        torch.testing.assert_close(out[i : i + 1], expected, atol=1e-6, rtol=0)
    assert len({tuple(o) for o in order.tolist()}) > 10  # many different orders


def test_colour_jitter_factors_follow_simclr_strength():
    factors = jitter_factors(torch.Generator().manual_seed(0), 5000, 0.5, 0.1)
    assert factors[:, :3].min() >= 0.6 and factors[:, :3].max() <= 1.4  # 1 -+ 0.8 s
    assert factors[:, 3].abs().max() <= 0.1  # 0.2 s
    assert factors[:, 3].abs().max() > 0.09 and factors[:, :3].min() < 0.61


def test_fused_blend_step_matches_each_adjustment_and_spares_the_rest():
    x = torch.rand(5, 3, 8, 8, generator=torch.Generator().manual_seed(4))
    factors = torch.tensor([[1.3, 0.7, 1.5, 0.1]]).expand(5, 4)
    step = torch.tensor([0, 1, 2, 3, -1])  # brightness, contrast, saturation, hue, nothing
    out = blend_step(x, step, factors)
    for i, which in enumerate(step.tolist()[:3]):
        expected = ADJUSTMENTS[which](x[i : i + 1], factors[i : i + 1, which])
        torch.testing.assert_close(out[i : i + 1], expected, atol=1e-6, rtol=0)
    assert torch.equal(out[3:], x[3:])
    gray = x[:, :1]
    assert torch.equal(blend_step(gray, torch.full((5,), 2), factors), gray)
