"""The shared pieces of the momentum methods: the cosine EMA schedule, EMA updates, the queue."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from sslcore.objectives.ema import cosine_momentum, ema_update, momentum_copy
from sslcore.objectives.queue import FeatureQueue


def test_cosine_momentum_rises_from_base_to_one() -> None:
    assert cosine_momentum(0.996, 0.0) == pytest.approx(0.996)
    assert cosine_momentum(0.996, 0.5) == pytest.approx(0.998)
    assert cosine_momentum(0.996, 1.0) == pytest.approx(1.0)
    values = [cosine_momentum(0.99, p / 10) for p in range(11)]
    assert values == sorted(values)


def test_ema_update_moves_target_towards_online_and_copies_buffers() -> None:
    online = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    target = momentum_copy(online)
    assert not any(p.requires_grad for p in target.parameters())
    with torch.no_grad():
        online[0].weight.add_(1.0)
        online[1].running_mean.fill_(2.0)
    before = target[0].weight.clone()
    ema_update(target, online, momentum=0.9)
    torch.testing.assert_close(target[0].weight, 0.9 * before + 0.1 * online[0].weight)
    torch.testing.assert_close(target[1].running_mean, online[1].running_mean)
    ema_update(target, online, momentum=1.0)  # m = 1 freezes the target
    torch.testing.assert_close(target[0].weight, 0.9 * before + 0.1 * online[0].weight)


def test_queue_is_first_in_first_out_and_normalised() -> None:
    queue = FeatureQueue(size=5, dim=2, random_start=False)
    assert queue.contents().shape == (0, 2)
    queue.push(torch.tensor([[3.0, 4.0], [0.0, 2.0], [1.0, 0.0]]))
    torch.testing.assert_close(queue.contents(), torch.tensor([[0.6, 0.8], [0, 1.0], [1.0, 0]]))
    queue.push(torch.tensor([[0.0, -1.0], [-1.0, 0.0], [0.0, 5.0]]))  # wraps: oldest replaced
    expected = torch.tensor([[0.0, 1.0], [0, 1.0], [1.0, 0], [0, -1.0], [-1.0, 0]])
    torch.testing.assert_close(queue.contents(), expected)
    assert int(queue.pointer) == 1


def test_queue_keeps_only_the_last_size_vectors_of_a_large_push() -> None:
    queue = FeatureQueue(size=3, dim=1, random_start=True)
    assert queue.contents().shape == (3, 1)  # full of random unit vectors from the start
    queue.push(torch.arange(1.0, 6.0)[:, None] * torch.tensor([[1.0]]))
    torch.testing.assert_close(queue.contents(), torch.ones(3, 1))
    assert "features" in queue.state_dict()  # saved with the checkpoint
