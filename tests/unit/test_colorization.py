"""Colorization: YUV round trip, grey input, refusal on one-channel data, loss falls."""

from __future__ import annotations

import pytest
import torch

from sslcore.objectives.colorization import Colorization, rgb_to_yuv, yuv_to_rgb


def test_yuv_round_trip_and_grey_has_no_chroma() -> None:
    x = torch.rand(3, 3, 5, 5)
    y, uv = rgb_to_yuv(x)
    torch.testing.assert_close(yuv_to_rgb(y, uv), x)
    grey = torch.rand(2, 1, 4, 4).expand(2, 3, 4, 4)
    y, uv = rgb_to_yuv(grey)
    torch.testing.assert_close(uv, torch.zeros_like(uv))
    torch.testing.assert_close(y, grey[:, :1])


def test_backbone_sees_only_luminance(shapes_batch, build) -> None:
    objective = build(Colorization).eval()
    x = shapes_batch(4)
    y, _ = rgb_to_yuv(x)
    # Two images with the same luminance but different colours get the same h.
    recoloured = yuv_to_rgb(y, torch.zeros_like(torch.cat([y, y], 1)))
    torch.testing.assert_close(objective.encode(x), objective.encode(recoloured), atol=1e-4, rtol=0)
    visuals = objective.visuals(x)
    assert set(visuals) == {"grey_input", "predicted_colour", "original"}


def test_one_channel_data_is_refused(build) -> None:
    with pytest.raises(ValueError, match="3 channels"):
        build(Colorization, channels=1)


def test_loss_decreases_on_a_fixed_batch(build, loss_drops, shapes_batch) -> None:
    objective = build(Colorization)
    before, after = loss_drops(objective, shapes_batch(16), steps=10)
    assert after < 0.7 * before
