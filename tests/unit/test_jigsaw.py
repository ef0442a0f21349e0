"""Jigsaw: the permutation set is distinct and spread out, reassembly undoes the shuffle."""

from __future__ import annotations

import math

import pytest
import torch

from sslcore.config import ConfigError
from sslcore.objectives.jigsaw import Jigsaw, maximal_permutations
from sslcore.objectives.tiles import cut_tiles, inverse_permutation, place_tiles


@pytest.mark.parametrize(("tiles", "count"), [(4, 24), (4, 10), (9, 30)])
def test_permutations_are_distinct_and_deterministic(tiles: int, count: int) -> None:
    orders = maximal_permutations(tiles, count)
    assert orders.shape == (count, tiles)
    assert len({tuple(row) for row in orders.tolist()}) == count
    assert all(sorted(row) == list(range(tiles)) for row in orders.tolist())
    assert torch.equal(orders[0], torch.arange(tiles))  # starts from the identity
    maximal_permutations.cache_clear()
    assert torch.equal(maximal_permutations(tiles, count), orders)


def test_nine_tile_permutations_differ_in_many_positions() -> None:
    orders = maximal_permutations(9, 30)
    distance = (orders[:, None] != orders[None]).sum(-1)
    distance.fill_diagonal_(9)
    # Random pairs of permutations of 9 differ in 8 positions on average; the greedy set
    # keeps every pair at least 7 apart.
    assert int(distance.min()) >= 7


def test_reassembly_with_the_inverse_permutation_restores_the_image() -> None:
    x = torch.rand(5, 3, 12, 12)
    generator = torch.Generator().manual_seed(0)
    for grid in (2, 3):
        tiles = cut_tiles(x, grid, gap=0, jitter=False, generator=generator)
        identity = torch.arange(grid * grid).expand(5, -1)
        assert torch.equal(place_tiles(tiles, identity, grid, 12), x)
        order = torch.stack([torch.randperm(grid * grid, generator=generator) for _ in range(5)])
        shown = tiles[torch.arange(5)[:, None], order]  # position j shows tile order[j]
        shuffled = place_tiles(tiles, order, grid, 12)
        assert torch.equal(place_tiles(shown, identity, grid, 12), shuffled)
        assert torch.equal(place_tiles(shown, inverse_permutation(order), grid, 12), x)


def test_gaps_and_jitter_shrink_and_move_tiles() -> None:
    x = torch.arange(16.0).view(1, 1, 4, 4).expand(8, 1, 4, 4)
    generator = torch.Generator().manual_seed(0)
    tiles = cut_tiles(x, 2, gap=1, jitter=True, generator=generator)
    assert tiles.shape == (8, 4, 1, 1, 1)
    # Tile 0 is one of the 4 pixels of the top-left cell, chosen per image.
    assert set(tiles[:, 0].flatten().tolist()) <= {0.0, 1.0, 4.0, 5.0}
    assert len(set(tiles[:, 0].flatten().tolist())) > 1


def test_shuffle_labels_index_the_permutation_applied(build, shapes_batch) -> None:
    objective = build(Jigsaw, gap=0, jitter=False)
    x = shapes_batch(6)
    shuffled, labels, tiles = objective.shuffle(x)
    expected = place_tiles(tiles, objective.orders[labels], 2, 16)
    assert torch.equal(shuffled, expected)


def test_impossible_settings_are_config_errors(build) -> None:
    with pytest.raises(ConfigError, match="permutations"):
        build(Jigsaw, grid=2, permutations=25)
    with pytest.raises(ConfigError, match="gap"):
        build(Jigsaw, grid=2, gap=8)
    assert math.factorial(4) == 24


def test_loss_decreases_on_a_fixed_batch(build, loss_drops, shapes_batch) -> None:
    objective = build(Jigsaw, permutations=8)
    before, after = loss_drops(objective, shapes_batch(32), steps=10)
    assert after < 0.5 * before
