"""Autoencoder: corruptions behave as configured, the decoder fits the image size, MSE falls."""

from __future__ import annotations

import pytest
import torch

from sslcore.config import ConfigError
from sslcore.objectives.autoencoder import Autoencoder, corrupt
from sslcore.objectives.decoder import ConvDecoder


def test_corruptions() -> None:
    x = torch.rand(4, 3, 8, 8)
    g = torch.Generator().manual_seed(0)
    assert corrupt(x, "none", 0.2, 0.5, 2, g) is x
    noisy = corrupt(x, "gaussian", 0.2, 0.5, 2, g)
    assert noisy.min() >= 0 and noisy.max() <= 1 and not torch.equal(noisy, x)
    masked = corrupt(x, "mask", 0.2, 0.5, 2, g)
    grey = (masked == 0.5).all(dim=1)  # (B, H, W)
    # Masking works on whole 2x2 blocks, about half of them.
    blocks = grey.view(4, 4, 2, 4, 2).all(dim=(2, 4))
    assert torch.equal(blocks.repeat_interleave(2, 1).repeat_interleave(2, 2), grey)
    assert 0.2 < blocks.float().mean() < 0.8
    assert torch.equal(masked[~grey.unsqueeze(1).expand_as(x)], x[~grey.unsqueeze(1).expand_as(x)])


@pytest.mark.parametrize("size", [8, 16, 24, 32, 40])
def test_decoder_output_matches_the_image_size(size: int) -> None:
    decoder = ConvDecoder(in_dim=10, out_channels=3, size=size, width=16)
    assert decoder(torch.randn(2, 10)).shape == (2, 3, size, size)


def test_reconstruction_targets_the_clean_image(shapes_batch, build) -> None:
    objective = build(Autoencoder, denoising="gaussian", noise_std=0.5).eval()
    x = shapes_batch(4)
    visuals = objective.visuals(x)
    assert set(visuals) == {"input", "reconstruction"}
    assert not torch.equal(visuals["input"].images, x)  # the encoder saw a noisy version
    assert visuals["reconstruction"].images.shape == x.shape


def test_mask_block_must_divide_the_image(build) -> None:
    with pytest.raises(ConfigError, match="mask_block"):
        build(Autoencoder, size=16, denoising="mask", mask_block=5)


@pytest.mark.parametrize("denoising", ["none", "mask"])
def test_loss_decreases_on_a_fixed_batch(denoising: str, build, loss_drops, shapes_batch) -> None:
    objective = build(Autoencoder, denoising=denoising)
    before, after = loss_drops(objective, shapes_batch(16), steps=10)
    assert after < 0.7 * before
