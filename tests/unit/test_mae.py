"""MAE: the mask ratio is exact, only masked patches count, patches round-trip, loss falls."""

from __future__ import annotations

import torch

from sslcore.objectives.mae import MAE, masked_patch_loss, patch_targets, random_masking
from sslcore.objectives.patches import patchify, unpatchify


def test_patchify_round_trip_and_raster_order() -> None:
    x = torch.rand(2, 3, 8, 8)
    patches = patchify(x, 4)
    assert patches.shape == (2, 4, 48)
    assert torch.equal(unpatchify(patches, 4, 3), x)
    # Patch 1 is the top-right 4x4 square, flattened as (p, p, C).
    assert torch.equal(patches[0, 1], x[0, :, :4, 4:].permute(1, 2, 0).flatten())


def test_mask_ratio_is_exact_per_image() -> None:
    g = torch.Generator().manual_seed(0)
    keep, mask = random_masking(5, 16, 0.75, g, torch.device("cpu"))
    assert keep.shape == (5, 4)
    assert torch.equal(mask.sum(1), torch.full((5,), 12.0))
    assert torch.all(mask.gather(1, keep) == 0)  # kept patches are the visible ones
    assert len({tuple(sorted(k)) for k in keep.tolist()}) > 1  # different per image


def test_loss_counts_masked_patches_only() -> None:
    target = torch.zeros(1, 4, 3)
    pred = torch.zeros(1, 4, 3)
    mask = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
    pred[0, 2:] = 100.0  # huge errors on visible patches do not count
    pred[0, 0] = 1.0
    loss, components = masked_patch_loss(pred, target, mask)
    assert float(loss) == 0.5  # mean over the two masked patches of (1, 0)
    assert float(components["visible_mse"]) == 10000.0


def test_normalised_targets_have_zero_mean_unit_variance() -> None:
    target = patch_targets(torch.rand(2, 3, 8, 8), 4, normalize=True)
    torch.testing.assert_close(target.mean(-1), torch.zeros(2, 4), atol=1e-5, rtol=0)
    torch.testing.assert_close(target.var(-1), torch.ones(2, 4), atol=1e-3, rtol=0)


def test_encoder_sees_only_visible_patches(build, small_vit, shapes_batch) -> None:
    objective = build(MAE, backbone=small_vit, mask_ratio=0.75)
    pred, mask, encoded = objective.reconstruct(shapes_batch(3))
    assert encoded.shape == (3, 1 + 4, 32)  # class token + 4 of 16 patches
    assert pred.shape == (3, 16, 4 * 4 * 3) and mask.shape == (3, 16)


def test_visuals_paste_visible_patches_back(shapes_batch, build, small_vit) -> None:
    objective = build(MAE, backbone=small_vit).eval()
    x = shapes_batch(2)
    visuals = objective.visuals(x)
    masked = patchify(visuals["masked"].images, 4)
    rebuilt = patchify(visuals["reconstruction"].images, 4)
    visible = ~(masked == 0.5).all(-1)  # (B, N)
    torch.testing.assert_close(rebuilt[visible], patchify(x, 4)[visible])
    assert visible.sum(1).tolist() == [4, 4]


def test_loss_decreases_on_a_fixed_batch(build, loss_drops, small_vit, shapes_batch) -> None:
    objective = build(MAE, backbone=small_vit, normalize_targets=False)
    before, after = loss_drops(objective, shapes_batch(16), steps=10)
    assert after < 0.7 * before
