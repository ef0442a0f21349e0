"""Relative position: the neighbour patch comes from the labelled cell; the head learns."""

from __future__ import annotations

import pytest
import torch

from sslcore.config import ConfigError
from sslcore.objectives.relative_position import NEIGHBOURS, RelativePosition, sample_pairs


def test_pairs_come_from_the_centre_and_the_labelled_neighbour() -> None:
    # Each 4x4 cell of a 12x12 image holds its own cell number.
    cells = torch.arange(9.0).view(1, 1, 3, 3)
    x = cells.repeat_interleave(4, 2).repeat_interleave(4, 3).expand(64, 1, 12, 12)
    generator = torch.Generator().manual_seed(0)
    centre, neighbour, labels = sample_pairs(x, gap=1, jitter=True, generator=generator)
    assert centre.shape == neighbour.shape == (64, 1, 3, 3)
    assert torch.all(centre == 4)
    expected = torch.tensor(NEIGHBOURS, dtype=torch.float)[labels]
    assert torch.equal(neighbour[:, 0, 0, 0], expected)
    assert torch.all(neighbour == neighbour[:, :, :1, :1])  # whole patch inside one cell
    assert set(labels.tolist()) == set(range(8))


def test_a_gap_that_leaves_no_patch_is_a_config_error(build) -> None:
    with pytest.raises(ConfigError, match="gap"):
        build(RelativePosition, size=16, gap=4)


def test_loss_decreases_on_a_fixed_batch(build, loss_drops, shapes_batch) -> None:
    objective = build(RelativePosition)
    before, after = loss_drops(objective, shapes_batch(32), steps=10)
    assert after < 0.5 * before
