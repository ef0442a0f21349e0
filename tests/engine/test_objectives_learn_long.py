"""The slow starters learn too: BYOL and DINO beat the random network given five times the steps.

Both fall below the randomly initialised network first and pass it after about 450-750 steps
(BENCHMARKS.md, "The slow starters"), so at the learning test's 300 steps they are listed as
known defects (``tests/test_objectives_learn.py``). Here the same budget runs a 1,500-step
schedule. That takes 5-6 minutes per method on two CPU cores, more than CI's 30 minutes can
hold beside the rest of the suite, so these tests are outside the default run (the trainer
picks a GPU when there is one). Run them with::

    .venv/bin/pytest -m long

SimSiam is not here: after 1,500 steps it is 2.0 points above the random network, the margin's
edge, not a pass.
"""

from __future__ import annotations

import pytest
from test_objectives_learn import BUDGET, train_and_compare

LONG_BUDGET = BUDGET | {
    "optim.steps": 1500,
    "monitor.eval_every": 1500,
    "monitor.checkpoint_every": 1500,
}
SLOW_STARTERS = ("byol", "dino")  # measured: 0.338 -> 0.516 and 0.392 (seed 0)


@pytest.mark.long
@pytest.mark.parametrize("name", SLOW_STARTERS)
def test_a_slow_starter_learns_given_five_times_the_steps(tmp_path, name):
    train_and_compare(tmp_path, name, LONG_BUDGET)
