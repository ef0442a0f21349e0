"""Rotation prediction: labels match the rotation applied, and the classifier learns."""

from __future__ import annotations

import torch

from sslcore.objectives.rotation import ANGLES, Rotation, rotate_batch


def test_rotated_blocks_carry_their_angle() -> None:
    x = torch.rand(3, 2, 5, 5)
    rotated, labels = rotate_batch(x)
    assert rotated.shape == (12, 2, 5, 5)
    assert labels.tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    for r in range(4):
        block = rotated[3 * r : 3 * r + 3]
        # Rotating back by the labelled angle restores the original images.
        assert torch.equal(torch.rot90(block, -r, dims=(2, 3)), x)
    # 90° is a counter-clockwise quarter turn: the top row becomes the left column, reversed.
    assert torch.equal(rotated[3, :, :, 0], x[0, :, 0, :].flip(-1))
    assert ANGLES == (0, 90, 180, 270)


def test_embedding_is_the_unrotated_batch(shapes_batch, build) -> None:
    objective = build(Rotation).eval()
    x = shapes_batch(4)
    out = objective([x])
    assert out.embedding is not None
    torch.testing.assert_close(out.embedding, objective.encode(x).detach())


def test_visual_captions_name_true_and_predicted_angles(shapes_batch, build) -> None:
    objective = build(Rotation).eval()
    visuals = objective.visuals(shapes_batch(4))
    captions = visuals["rotations"].captions or []
    assert len(captions) == 16 and captions[4].startswith("true 90°, predicted ")


def test_loss_decreases_on_a_fixed_batch(build, loss_drops, shapes_batch) -> None:
    objective = build(Rotation)
    before, after = loss_drops(objective, shapes_batch(32), steps=10)
    assert after < 0.5 * before
