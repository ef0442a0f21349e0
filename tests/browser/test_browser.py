"""The lab in a real browser: ``ssl-lab`` in the background, the system Chromium driving it.

It opens the lab, chooses shapes / convnet / simclr, starts a short run, watches the loss chart
gain points, opens the embedding map, stops the run, reloads the page and finds the run still
there, saving a screenshot of every page under ``test-output/screenshots``. A second test opens
the Train page with a text setup in the URL alone (mlm on stdlib_docs), starts it and sees the
loss chart grow and the masked sentences with the model's guesses appear. A third types each
page's path in the address bar and finds that page, the setup in the query kept. Without
``/usr/bin/chromium`` it skips, unless ``SSL_LAB_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

# A short run: small batches, frequent logging and monitoring, a small probe set.
SHORT_RUN = (
    "optim.steps=200&optim.batch_size=32&monitor.log_every=2&monitor.eval_every=10"
    "&monitor.probe_size=100&data.train_size=500&data.test_size=200&backbone.width=16"
)

# A tiny text run, all from the URL: masked words on the standard library's docstrings.
TEXT_RUN = (
    "objective.name=mlm&data.dataset=stdlib_docs&backbone.name=text_transformer"
    "&augment.preset=none&optim.precision=fp32&data.tokenizer=words&data.context_length=16"
    "&backbone.vit_dim=32&backbone.vit_depth=1&backbone.vit_heads=2&optim.batch_size=16"
    "&optim.steps=400&monitor.log_every=2&monitor.eval_every=10&monitor.probe_size=48"
)

pytestmark = pytest.mark.browser


def test_a_lesson_in_the_browser(
    lab_server: str,
    browser,
    new_tab,
    choose,
    shoot,
    wait_for,
    plotted_points,
    open_page,
    run_in_url,
) -> None:
    page = new_tab(browser)
    page.goto(f"{lab_server}/?{SHORT_RUN}")
    page.get_by_text("Set up an experiment").wait_for()
    choose(page, "Dataset", "shapes")
    choose(page, "Backbone", "convnet")
    choose(page, "Objective", "simclr")
    page.locator('[data-testid="stImage"]').first.wait_for()
    shoot(page, "setup")

    page.get_by_role("button", name="Start training").click()
    page.get_by_text("Train and watch it learn").wait_for()
    wait_for(lambda: plotted_points(page, "Loss") >= 2, 240, "the loss chart")
    first = plotted_points(page, "Loss")
    wait_for(lambda: plotted_points(page, "Loss") > first, 120, "more loss points")
    wait_for(lambda: plotted_points(page, "kNN accuracy (probe set)") >= 1, 240, "the kNN chart")
    shoot(page, "train")

    open_page(page, "Embeddings")
    page.get_by_text("The embedding map").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=120_000)
    shoot(page, "embeddings")

    open_page(page, "Train")
    stop = page.get_by_role("button", name="Stop")
    if stop.is_enabled():  # a quiet machine may finish the short run first: Stop is then grey
        with contextlib.suppress(PlaywrightTimeout):
            stop.click(timeout=10_000)
    wait_for(
        lambda: (
            page.get_by_text("stopped", exact=False).count() > 0
            or page.get_by_text("finished", exact=False).count() > 0
        ),
        120,
        "the run to stop",
    )
    run_id = run_in_url(page)
    assert run_id, "the URL holds the run id"

    page.reload()
    page.get_by_text("Train and watch it learn").wait_for()
    page.get_by_text(run_id).first.wait_for()
    wait_for(lambda: plotted_points(page, "Loss") >= 2, 120, "the curves after reload")

    for title, name in (
        ("Evaluate", "evaluate"),
        ("Compare", "compare"),
        ("Learn", "learn"),
    ):
        open_page(page, title)
        shoot(page, name)


def test_a_text_run_in_the_browser(
    lab_server: str, browser, new_tab, start_on_train, wait_for, plotted_points, run_in_url, shoot
) -> None:
    """Straight to the Train page with the setup in the URL: Start, loss points, guesses."""
    page = new_tab(browser)
    start_on_train(page, lab_server, TEXT_RUN)
    page.get_by_text("Documents per second").wait_for()  # the text run's progress
    wait_for(lambda: plotted_points(page, "Loss") >= 2, 60, "the loss chart")
    first = plotted_points(page, "Loss")
    wait_for(lambda: plotted_points(page, "Loss") > first, 30, "more loss points")
    guesses = page.get_by_text("Guesses", exact=False).first
    guesses.wait_for(timeout=30_000)
    page.get_by_text("▢", exact=False).first.wait_for(timeout=10_000)  # masked words
    run_id = run_in_url(page)
    assert run_id.startswith("mlm-"), run_id  # the objective the URL named
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("stopped", exact=False).first.wait_for()
    # The page is redrawn after Stop: find the guesses again until they hold still.
    wait_for(lambda: scrolled_to(page.get_by_text("Guesses", exact=False).first), 60, "guesses")
    shoot(page, "text-train")


def scrolled_to(locator) -> bool:
    """Scroll ``locator`` into view; False while a rerun replaces it under the pointer."""
    try:
        locator.scroll_into_view_if_needed(timeout=5_000)
    except PlaywrightError:  # detached or not yet there (a TimeoutError is one too)
        return False
    return True


def test_every_page_loads_at_its_url_path(lab_server: str, browser, new_tab) -> None:
    """Typing ``/setup``, ``/train``, ... in the address bar opens that page; ``/`` opens Setup."""
    from dashboard.navigation import PAGES

    headings = {
        "setup": "Set up an experiment",
        "train": "Train and watch it learn",
        "embeddings": "The embedding map",
        "evaluate": "Evaluate the representation",
        "compare": "Compare runs",
        "learn": "Learn",
        "": "Set up an experiment",
    }
    assert headings.keys() == {"", *PAGES}
    page = new_tab(browser)
    for path, heading in headings.items():
        page.goto(f"{lab_server}/{path}?optim.steps=77")
        page.get_by_role("heading", name=heading).first.wait_for()
        page.wait_for_timeout(1000)  # a "Page not found" dialog comes after the page
        assert page.get_by_text("Page not found").count() == 0, path
        assert page.evaluate("() => location.pathname") == f"/{path or 'setup'}"
        assert page.evaluate("() => new URL(location.href).searchParams.get('optim.steps')") == "77"
