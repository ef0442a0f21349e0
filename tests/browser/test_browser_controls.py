"""One run driven from two browser tabs: Pause and Resume follow the run, whoever moved it.

A teacher's laptop and the projector's window are two tabs with two owner tokens; outside
classroom mode both may pause, resume and stop a run that trains in this server. Without
``/usr/bin/chromium`` it skips (see ``require_chromium`` in ``tests/conftest.py``).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# Long enough to stay running for the whole test, small enough to cost little per step.
LONG_RUN = (
    "optim.steps=20000&optim.batch_size=16&backbone.width=8&data.train_size=256"
    "&data.test_size=64&monitor.log_every=10&monitor.eval_every=5000&monitor.probe_size=32"
    "&num_threads=1"
)
STATE_CHANGE_MS = 20_000  # a step boundary and a poll (2 s) at most, with room to spare


def button(page, action: str):
    return page.locator(f".st-key-train-{action} button").first


def expect_controls(page, running: bool) -> None:
    """Pause enabled and Resume greyed while running; the other way round while paused."""
    from playwright.sync_api import expect

    enabled, disabled = ("pause", "resume") if running else ("resume", "pause")
    expect(button(page, enabled)).to_be_enabled(timeout=STATE_CHANGE_MS)
    expect(button(page, disabled)).to_be_disabled(timeout=STATE_CHANGE_MS)
    expect(button(page, "stop")).to_be_enabled(timeout=STATE_CHANGE_MS)


def test_pause_and_resume_in_one_tab_then_pause_from_another(
    lab_server: str, browser, new_tab, run_in_url
) -> None:
    teacher = new_tab(browser)
    teacher.goto(f"{lab_server}/train?{LONG_RUN}")
    teacher.get_by_text("Train and watch it learn").wait_for()
    button(teacher, "start").click()
    expect_controls(teacher, running=True)

    button(teacher, "pause").click()
    expect_controls(teacher, running=False)
    button(teacher, "resume").click()
    expect_controls(teacher, running=True)

    run_id = run_in_url(teacher)
    assert run_id
    projector = new_tab(browser)  # no owner token in its URL: a tab of its own
    projector.goto(f"{lab_server}/train?run={run_id}")
    projector.get_by_text(run_id).first.wait_for()
    assert projector.get_by_text("started from another tab").count() == 0
    expect_controls(projector, running=True)
    button(projector, "pause").click()
    expect_controls(projector, running=False)
    expect_controls(teacher, running=False)  # the first tab follows the run, not its own clicks

    button(projector, "stop").click()
    from playwright.sync_api import expect

    for page in (teacher, projector):
        expect(button(page, "stop")).to_be_disabled(timeout=STATE_CHANGE_MS)
        expect(button(page, "resume")).to_be_disabled(timeout=STATE_CHANGE_MS)
