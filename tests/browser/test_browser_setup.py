"""The Setup page in the browser: a typed number out of range is named and greys Start; the
learning-rate chart is drawn before Start.

A number box with bounds would refuse the value in the browser (a red border, the old value
kept and trained); the lab takes the typed value, shows why it is not allowed, and keeps Start
disabled until it is. Without ``/usr/bin/chromium`` it skips.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

RERUN_MS = 30_000  # a rerun of the Setup page on a busy 2-core machine


def type_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


def test_a_typed_number_out_of_range_is_named_and_blocks_start(
    lab_server: str, browser, new_tab
) -> None:
    from playwright.sync_api import expect

    page = new_tab(browser)
    page.goto(f"{lab_server}/setup")
    page.get_by_text("Set up an experiment").wait_for()
    start = page.locator(".st-key-start-from-setup button").first
    expect(start).to_be_enabled(timeout=RERUN_MS)

    for label, bad, allowed, good in (
        ("Batch size", "1000000", "an integer from 2 to 4096", "64"),
        ("Steps", "0", "an integer from 1 to 1000000", "300"),
    ):
        type_number(page, label, bad)
        message = page.get_by_text(f"{bad} is not allowed: {allowed}")
        expect(message).to_be_visible(timeout=RERUN_MS)
        expect(start).to_be_disabled(timeout=RERUN_MS)
        type_number(page, label, good)
        expect(start).to_be_enabled(timeout=RERUN_MS)


def test_the_learning_rate_over_the_run_is_drawn_and_follows_the_steps(
    lab_server: str, browser, new_tab, wait_for, plotted_points
) -> None:
    """The schedule chart is on screen before Start (it also has the browser load its plotting
    code then, not while the first loss point is awaited) and redraws for a typed step count."""
    page = new_tab(browser)
    page.goto(f"{lab_server}/setup")
    title = "Learning rate over the run"
    wait_for(lambda: plotted_points(page, title) > 100, RERUN_MS / 1000, "the schedule drawn")
    type_number(page, "Steps", "40")
    wait_for(lambda: plotted_points(page, title) == 40, RERUN_MS / 1000, "40 steps drawn")
