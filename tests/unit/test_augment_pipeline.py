"""The augmenter's contract: shapes, ranges, independence, reproducibility, BYOL's pair."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from sslcore.augment import build_augmenter, preset
from sslcore.config import AugmentConfig

torch.set_num_threads(1)

EVERYTHING_ON = AugmentConfig(
    preset="custom",
    rotation_degrees=30.0,
    blur_prob=0.5,
    solarize_prob=0.3,
    erasing_prob=0.5,
    noise_std=0.05,
)


def _images(n: int = 8, channels: int = 3, size: int = 16, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, channels, size, size), dtype=torch.uint8, generator=generator)


def _views(config: AugmentConfig, images: torch.Tensor, n_views: int = 2, seed: int = 0):
    return build_augmenter(config)(images, n_views, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("config", [preset("simclr"), preset("byol"), EVERYTHING_ON])
def test_views_are_unit_floats_of_the_input_shape(config, channels):
    images = _images(channels=channels)
    views = _views(config, images, n_views=3)
    assert len(views) == 3
    for view in views:
        assert view.shape == images.shape and view.dtype == torch.float32
        assert view.min() >= 0.0 and view.max() <= 1.0


def test_float_input_is_accepted_and_kept_in_range():
    images = _images().float() / 255
    views = _views(EVERYTHING_ON, images)
    assert all(v.min() >= 0 and v.max() <= 1 for v in views)


def test_identical_images_get_independent_parameters():
    images = _images(1).expand(6, -1, -1, -1).contiguous()
    x1, x2 = _views(preset("simclr"), images)
    for view in (x1, x2):
        for i in range(1, 6):
            assert not torch.allclose(view[0], view[i])  # each image its own draw
    for i in range(6):
        assert not torch.allclose(x1[i], x2[i])  # each view its own draw


def test_same_seed_same_views_other_seed_other_views():
    images = _images()
    first = _views(EVERYTHING_ON, images, seed=5)
    again = _views(EVERYTHING_ON, images, seed=5)
    other = _views(EVERYTHING_ON, images, seed=6)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not torch.allclose(first[0], other[0])


def test_global_torch_seed_does_not_matter():
    images = _images()
    torch.manual_seed(1)
    first = _views(preset("simclr"), images)
    torch.manual_seed(2)
    second = _views(preset("simclr"), images)
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))


def test_none_preset_is_exactly_the_input():
    images = _images()
    for view in _views(preset("none"), images, n_views=2):
        assert torch.equal(view, images.float() / 255)


def test_grayscale_images_work_with_every_op():
    images = _images(channels=1)
    x1, x2 = _views(EVERYTHING_ON, images)
    assert x1.shape == (8, 1, 16, 16) and not torch.equal(x1, x2)


def test_asymmetric_pair_blurs_and_solarizes_as_byol():
    n = 400
    config = dataclasses.replace(preset("none"), asymmetric=True, blur_prob=0.55)
    # Flat images: a blur leaves them as they are, a solarize turns 0.8 into 0.2.
    flat = torch.full((n, 3, 8, 8), 0.8)
    first, second, third = _views(config, flat, n_views=3)
    assert torch.allclose(first, flat)  # view 1 never solarized
    for view in (second, third):
        solarized = (view[:, 0, 0, 0] < 0.5).float().mean().item()
        assert 0.13 < solarized < 0.27  # p = 0.2
    # A checkerboard below 0.5: solarize leaves it alone, any blur changes it.
    board = 0.1 + 0.3 * ((torch.arange(8).view(-1, 1) + torch.arange(8)) % 2).float()
    boards = board.expand(n, 3, 8, 8).contiguous()
    # (A sigma below ~0.25 pixels changes no float32 value: ~7% of the blurs go unseen.)
    first, second = _views(config, boards, seed=1)
    seen_first, seen_second = (
        (view - boards).abs().amax((1, 2, 3)) > 1e-6 for view in (first, second)
    )
    assert seen_first.float().mean() > 0.85  # view 1 always blurred
    assert 0.04 < seen_second.float().mean() < 0.16  # p = 0.1


def test_asymmetric_pair_without_blur_blurs_no_view():
    """photo_byol: lightly's CIFAR-10 BYOL pair keeps the solarize asymmetry, blurs nothing."""
    config = dataclasses.replace(preset("none"), asymmetric=True, blur_prob=0.0)
    board = 0.1 + 0.3 * ((torch.arange(8).view(-1, 1) + torch.arange(8)) % 2).float()
    boards = board.expand(200, 3, 8, 8).contiguous()  # below 0.5: solarize leaves it alone
    for view in _views(config, boards, seed=1):
        assert torch.allclose(view, boards)


def test_flip_only_mirrors_about_half_of_the_images():
    config = dataclasses.replace(preset("none"), flip_prob=0.5)
    images = _images(200, size=8)
    (view,) = _views(config, images, n_views=1)
    mirrored = torch.isclose(view, images.flip(-1).float() / 255, atol=1e-6).flatten(1).all(1)
    assert 0.38 < mirrored.float().mean().item() < 0.62


@pytest.mark.parametrize(
    ("images", "n_views", "message"),
    [
        (torch.zeros(2, 2, 8, 8), 2, "C = 1 or 3"),
        (torch.zeros(3, 8, 8), 2, "shape"),
        (torch.zeros(2, 3, 8, 8, dtype=torch.int64), 2, "uint8 or floating"),
        (torch.full((2, 3, 8, 8), 2.0), 2, r"\[0, 1\]"),
        (torch.zeros(2, 3, 8, 8), 0, "n_views"),
    ],
)
def test_bad_input_raises_a_clear_error(images, n_views, message):
    with pytest.raises(ValueError, match=message):
        _views(preset("simclr"), images, n_views=n_views)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_cuda_images_give_the_cpu_views_with_a_cpu_generator():
    images = _images()
    on_cpu = _views(EVERYTHING_ON, images)
    on_gpu = _views(EVERYTHING_ON, images.cuda())
    for a, b in zip(on_cpu, on_gpu, strict=True):
        assert b.device.type == "cuda"
        torch.testing.assert_close(b.cpu(), a, atol=1e-4, rtol=0)
