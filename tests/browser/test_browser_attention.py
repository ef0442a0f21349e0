"""A ViT run's Train page shows where its class token looks, large in projector mode."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

# DINO on a small ViT, monitored every 20 steps, from the URL alone, in projector mode.
VIT_RUN = (
    "objective.name=dino&backbone.name=vit_tiny&backbone.vit_dim=64&backbone.vit_depth=2"
    "&backbone.vit_heads=4&data.image_size=16&data.train_size=512&data.test_size=256"
    "&optim.batch_size=32&optim.steps=60&optim.warmup_steps=2&monitor.log_every=5"
    "&monitor.eval_every=20&monitor.probe_size=64&num_threads=1&projector=1"
)


def test_the_attention_maps_of_a_vit_run_on_the_train_page(
    lab_server: str, browser, new_tab, run_in_url, shoot
) -> None:
    from playwright.sync_api import expect

    page = new_tab(browser)
    page.goto(f"{lab_server}/train?{VIT_RUN}")
    page.get_by_text("Train and watch it learn").wait_for()
    page.get_by_role("button", name="Start a new run").click()
    assert run_in_url(page).startswith("dino-")
    heading = page.get_by_role("heading", name=re.compile(r"Where the class token looks"))
    # A snapshot after training began (step 0 is the random network's).
    expect(heading).to_have_text(re.compile(r"\(step [1-9]\d*\)"), timeout=180_000)
    page.get_by_text("A random network's maps are diffuse", exact=False).wait_for()
    grid = page.locator('[data-testid="stImage"]').filter(has_text="mean of 4 heads").first
    grid.scroll_into_view_if_needed()
    # Eight probe images, a row each: the image, the mean map, four heads; projector tiles are
    # at least 160 px wide (16 px images enlarged 10x, 2 px gaps).
    width = grid.locator("img").evaluate("img => img.naturalWidth")
    assert width == 6 * 160 + 5 * 2, width
    expect(page.get_by_text("Spread (entropy) at this step", exact=False)).to_be_visible()
    heading.evaluate("el => el.scrollIntoView({block: 'start'})")  # the heading, then the maps
    shoot(page, "train-attention")
