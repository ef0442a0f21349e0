"""An evaluation started in the browser runs in the background: the page stays usable.

Label efficiency (four methods at three shares of labels, ~20 s on a tiny run) is started from
the Evaluate page; while it runs, another control is changed and the page answers at once; the
curve appears when it is done, without another click. Without ``/usr/bin/chromium`` it skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sslcore import eval_jobs
from sslcore.train import Trainer

pytestmark = pytest.mark.browser

CURVE = "Accuracy against the share of labels used"


def test_an_evaluation_runs_while_the_page_answers(
    lab_server: str,
    browser,
    tmp_path: Path,
    tiny_config,
    new_store,
    new_tab,
    choose,
    shoot,
    wait_for,
    plotted_points,
):
    config = tiny_config(**{"optim.steps": 10})
    store = new_store(tmp_path / "runs", config, "evaluated")
    assert Trainer(config, store).run()["state"] == "finished"
    page = new_tab(browser)
    page.goto(f"{lab_server}/evaluate?run={store.run_id}")
    page.get_by_role("heading", name="Evaluate the representation").first.wait_for()
    choose(page, "Protocol", "Label efficiency (accuracy against the share of labels)")
    page.locator(".st-key-eval-run button").first.click()
    page.get_by_text("Running Label efficiency", exact=False).first.wait_for(timeout=15_000)
    assert eval_jobs.running(store.path) is not None  # the server thread's status, on disk

    # Another control answers while the evaluation runs: fine-tuning asks for a share of labels.
    choose(page, "Protocol", "Fine-tuning (all weights, few labels)")
    page.get_by_text("Share of labels").first.wait_for()
    assert eval_jobs.running(store.path) is not None, "it ended before the page was tried"
    assert page.get_by_text("Running Label efficiency", exact=False).count() > 0
    assert page.locator(".st-key-eval-run button").first.is_disabled()  # one at a time
    shoot(page, "evaluate-running")

    wait_for(lambda: plotted_points(page, CURVE) > 0, 180, "the label-efficiency curve")
    assert eval_jobs.latest(store.path)["state"] == "finished"
    assert page.get_by_text("Label efficiency: done", exact=False).count() > 0
    assert page.locator(".st-key-eval-run button").first.is_enabled()
    shoot(page, "evaluate-done")
