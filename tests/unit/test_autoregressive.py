"""Autoregressive: the PixelCNN is causal (over pixels, and over the colours inside a pixel),
bits/dim are consistent, samples have the right form."""

from __future__ import annotations

import math

import torch

from sslcore.objectives.autoregressive import Autoregressive, quantize_pixels
from sslcore.objectives.pixelcnn import PixelCNN


def test_each_colour_depends_on_earlier_pixels_and_the_earlier_colours_of_its_own() -> None:
    torch.manual_seed(0)
    size, levels = 6, 4
    net = PixelCNN(channels=3, levels=levels, hidden=10, layers=3, condition_dim=5)
    x = torch.randn(1, 3, size, size, requires_grad=True)
    # Real-valued inputs through the same masked layers, without the ReLUs: a gradient is then
    # zero exactly where the masks leave no path (a ReLU could hide a path by chance).
    features = net.input(x)
    for layer in net.layers:
        features = features + layer(features)
    hidden_1x1, logits_1x1 = net.output[1], net.output[3]
    logits = logits_1x1(hidden_1x1(features)).view(1, 3, levels, size, size)  # (1, C, L, H, W)
    for i in range(size * size):
        row, col = divmod(i, size)
        for colour in range(3):  # R, G, B
            target = logits[0, colour, :, row, col].sum()
            (grad,) = torch.autograd.grad(target, x, retain_graph=True)
            seen = grad.abs()[0].flatten(1) > 0  # (C, H·W) in raster order
            assert not seen[:, i + 1 :].any(), f"pixel {i} sees a later pixel"
            here = seen[:, i].tolist()
            assert here == [c < colour for c in range(3)], f"pixel {i}, colour {colour}: {here}"
            if col > 0:
                assert seen[:, i - 1].all(), f"pixel {i} does not see its left neighbour"
            if row > 0:
                assert seen[:, i - size].all(), f"pixel {i} does not see the pixel above"


def test_one_channel_has_no_colour_order() -> None:
    grey = PixelCNN(channels=1, levels=4, hidden=8, layers=1, condition_dim=2)
    assert grey.input.mask[:, :, 3, 3].sum() == 0  # mask A: the centre unseen
    assert grey.layers[0].mask[:, :, 1, 1].all()  # mask B: the centre seen


def test_quantisation_levels_and_resolution() -> None:
    x = torch.tensor([0.0, 0.2, 0.5, 0.99, 1.0]).view(1, 1, 1, 5).expand(1, 1, 5, 5)
    q = quantize_pixels(x, levels=4, resolution=5)
    assert q[0, 0, 0].tolist() == [0, 0, 2, 3, 3]
    assert quantize_pixels(torch.rand(2, 3, 16, 16), 8, 8).shape == (2, 3, 8, 8)


def test_bits_per_dim_is_the_loss_in_bits(build, shapes_batch) -> None:
    objective = build(Autoregressive, resolution=8)
    out = objective([shapes_batch(4)])
    bits = float(out.components["bits_per_dim"])
    assert math.isclose(bits, out.loss.item() / math.log(2), rel_tol=1e-5)
    assert bits <= math.log2(8) + 0.5  # starts near uniform over 8 levels


def test_samples_are_drawn_pixel_by_pixel(shapes_batch, build) -> None:
    objective = build(Autoregressive, resolution=8, samples=2).eval()
    visuals = objective.visuals(shapes_batch(4))
    assert visuals["samples"].images.shape == (2, 3, 8, 8)
    levels = visuals["samples"].images * 7
    torch.testing.assert_close(levels, levels.round())  # values on the 8-level grid


def test_resolution_never_exceeds_the_image(build) -> None:
    assert build(Autoregressive, size=8, resolution=16).resolution == 8


def test_loss_decreases_on_a_fixed_batch(build, loss_drops, shapes_batch) -> None:
    objective = build(Autoregressive, resolution=8)
    before, after = loss_drops(objective, shapes_batch(16), steps=10)
    assert after < 0.8 * before


def test_a_low_temperature_draws_the_likeliest_values_and_the_visuals_use_it(
    build, monkeypatch
) -> None:
    torch.manual_seed(0)
    net = PixelCNN(channels=3, levels=8, hidden=8, layers=2, condition_dim=5)
    condition = torch.randn(4, 5)

    def drawn(seed: int, temperature: float) -> torch.Tensor:
        return net.sample(condition, 6, torch.Generator().manual_seed(seed), temperature)

    assert torch.equal(drawn(0, 1e-6), drawn(1, 1e-6)), "T → 0 is the argmax, whatever the seed"
    assert not torch.equal(drawn(0, 1.0), drawn(1, 1.0))
    objective = build(Autoregressive, resolution=6, samples=2, temperature=0.5).eval()
    sample, temperatures = objective.pixelcnn.sample, []

    def spy(*args: object) -> torch.Tensor:
        temperatures.append(args[-1])
        return sample(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(objective.pixelcnn, "sample", spy)
    objective.visuals(torch.rand(2, 3, 16, 16))
    assert temperatures == [0.5]
