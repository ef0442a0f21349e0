"""Generated images on the Train page, in a real browser.

A short autoregressive run (a small PixelCNN on 16-pixel shapes, all from the URL) is started
on the Train page; at its first monitor step the page shows the images it drew from an empty
canvas under the heading "Unconditional", with the caption that says how they were drawn, beside
the samples drawn from real images' h and their caption. Without ``/usr/bin/chromium`` it skips,
unless ``SSL_LAB_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import pytest

# The PixelCNN models 8x8 images, so a monitor step's samples take a few hundred passes.
AUTOREGRESSIVE_RUN = (
    "objective.name=autoregressive&data.dataset=shapes&backbone.name=convnet&backbone.width=8"
    "&data.image_size=16&objective.params.resolution=8&objective.params.hidden=16"
    "&objective.params.layers=2&optim.steps=400&optim.batch_size=32&monitor.log_every=2"
    "&monitor.eval_every=10&monitor.probe_size=48&data.train_size=500&data.test_size=200"
)

pytestmark = pytest.mark.browser


def test_unconditional_samples_appear_with_their_caption(
    lab_server: str, browser, new_tab, run_in_url, shoot
) -> None:
    page = new_tab(browser)
    page.goto(f"{lab_server}/train?{AUTOREGRESSIVE_RUN}")
    page.get_by_role("button", name="Start a new run").click()  # waits until the page has it
    assert run_in_url(page).startswith("autoregressive-")
    heading = page.get_by_text("Unconditional (step", exact=False).first
    heading.wait_for(timeout=240_000)  # the first monitor step, then a few hundred passes
    page.get_by_text("drawn from an empty canvas", exact=False).first.wait_for()
    page.get_by_text("drawn pixel by pixel from the h", exact=False).first.wait_for()
    from playwright.sync_api import expect

    grid = page.locator('[data-testid="stImage"]').filter(has_text="drawn from an empty canvas")
    # One picture under its caption; retried, since the page redraws while the run trains.
    expect(grid.locator("img")).to_have_count(1, timeout=60_000)
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("stopped", exact=False).first.wait_for()
    page.get_by_text("Unconditional (step", exact=False).first.scroll_into_view_if_needed()
    shoot(page, "autoregressive-samples")
