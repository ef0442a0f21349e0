"""api.lr_schedule, the Setup page's chart: the learning rate the trainer's scheduler gives."""

import pytest
import torch

from sslcore import api
from sslcore.config import OptimConfig
from sslcore.optim import build_scheduler


def scheduler_rates(optim: OptimConfig) -> list[float]:
    """The rate of every update, read from the scheduler the trainer builds."""
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=optim.lr)
    scheduler = build_scheduler(optimizer, optim)
    rates = []
    for _ in range(optim.steps):
        rates.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize(("steps", "warmup"), [(300, 0), (300, 30), (1000, 100), (50, 49)])
def test_the_chart_is_the_trainers_schedule(steps: int, warmup: int) -> None:
    optim = OptimConfig(lr=0.003, steps=steps, warmup_steps=warmup)
    shown_steps, shown_rates = api.lr_schedule(optim)
    truth = scheduler_rates(optim)
    assert shown_rates == pytest.approx([truth[s] for s in shown_steps], rel=1e-9)
    assert shown_steps[0] == 0 and shown_steps[-1] == steps - 1
    if warmup:
        assert warmup - 1 in shown_steps  # the peak, where warm-up ends, is drawn
        assert max(shown_rates) == pytest.approx(optim.lr)
    assert len(shown_steps) <= 200 + 2


def test_a_long_run_is_drawn_with_a_few_hundred_points() -> None:
    steps, rates = api.lr_schedule(OptimConfig(steps=100_000, warmup_steps=1_000))
    assert len(steps) <= 202 and steps == sorted(steps)
    assert rates[-1] < rates[len(rates) // 2] < max(rates)  # it decays
