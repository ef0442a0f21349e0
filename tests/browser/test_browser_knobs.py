"""Knobs of a running run in the browser: one step while paused, a new learning rate while it
trains (TensorFlow Playground's immediacy, on a real server and Chromium)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

LONG_RUN = (
    "optim.steps=20000&optim.batch_size=16&backbone.width=8&data.train_size=256"
    "&data.test_size=64&monitor.log_every=1&monitor.eval_every=5000&monitor.probe_size=32"
    "&num_threads=1"
)
WAIT_MS = 20_000


def button(page, key: str):
    return page.locator(f".st-key-{key} button").first


def test_step_while_paused_and_change_the_learning_rate(
    lab_server: str, browser, tmp_path, new_tab, run_in_url
):
    from playwright.sync_api import expect

    page = new_tab(browser)
    page.goto(f"{lab_server}/train?{LONG_RUN}")
    page.get_by_text("Train and watch it learn").wait_for()
    button(page, "train-start").click()
    expect(button(page, "train-pause")).to_be_enabled(timeout=WAIT_MS)
    run_id = run_in_url(page)
    status = tmp_path / "runs" / run_id / "status.json"

    lr = page.get_by_role("spinbutton", name="Learning rate, live")
    lr.fill("2.00e-02")
    lr.press("Enter")
    button(page, f"train-lr-apply-{run_id}").click()
    events = tmp_path / "runs" / run_id / "events.jsonl"
    expect(page.get_by_text("now 2.00e-02")).to_be_visible(timeout=WAIT_MS)
    assert "learning rate changed from 0.002 to 0.02" in events.read_text()

    button(page, "train-pause").click()
    expect(button(page, "train-step_once")).to_be_enabled(timeout=WAIT_MS)
    paused_at = json.loads(status.read_text())["step"]
    button(page, "train-step_once").click()
    page.wait_for_timeout(3000)
    after = json.loads(status.read_text())
    assert after["state"] == "paused" and after["step"] == paused_at + 1
    button(page, "train-stop").click()
    expect(button(page, "train-stop")).to_be_disabled(timeout=WAIT_MS)
