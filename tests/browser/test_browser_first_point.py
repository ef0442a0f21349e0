"""Start in the browser: a loss point, the views and the untrained network's kNN come with the
first step, not at the first monitor step (issue 21: the lab on a projector).

The run monitors only every 1,000 steps, so pictures labelled step 1 and a kNN point can only
be the first step's views and the step-0 record that follows the first row. No clock is read:
how soon they come is measured in BENCHMARKS.md (``benchmarks/first_point.py``).
"""

from __future__ import annotations

import pytest

FIRST_STEPS = (
    "optim.steps=20000&monitor.eval_every=1000&monitor.log_every=10&optim.batch_size=32"
    "&monitor.probe_size=100&data.train_size=500&data.test_size=200&backbone.width=16"
)

pytestmark = pytest.mark.browser


def test_the_first_step_brings_a_loss_point_the_views_and_a_knn_point(
    lab_server: str, browser, new_tab, start_on_train, wait_for, plotted_points, run_in_url, shoot
) -> None:
    page = new_tab(browser)
    start_on_train(page, lab_server, FIRST_STEPS)
    assert run_in_url(page)
    wait_for(lambda: plotted_points(page, "Loss") >= 1, 240, "the first loss point")
    page.get_by_text("The views the model sees (step 1)").first.wait_for(timeout=240_000)
    wait_for(lambda: plotted_points(page, "kNN accuracy (probe set)") >= 1, 240, "step 0's kNN")
    shoot(page, "train-first-steps")
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("stopped", exact=False).first.wait_for(timeout=120_000)
