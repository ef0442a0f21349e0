"""Reading and driving a Streamlit page in Chromium: the browser tests' fixtures.

The server and the browser themselves (``lab_server``, ``browser``, ``new_tab``) are in the
suite's ``conftest.py``; these read what a page shows (``plotted_points``, ``run_in_url``),
act on it (``choose``, ``open_page``, ``start_on_train``), wait for it (``wait_for``) and keep a
picture (``shoot``). Each fixture returns its function: ``choose(page, "Dataset", "shapes")``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SSL_LAB_TEST_OUTPUT", ROOT / "test-output")) / "screenshots"
RUN_IN_URL = "() => new URL(location.href).searchParams.get('run')"


def plotted_points(page, title: str) -> int:
    """How many points the plotly chart titled ``title`` shows (0 when it is not drawn)."""
    return page.evaluate(
        """(title) => {
            for (const plot of document.querySelectorAll('.js-plotly-plot')) {
                const raw = (plot.layout && plot.layout.title && plot.layout.title.text) || '';
                const trace = plot._fullData && plot._fullData[0];
                if (raw.replace(/<[^>]+>/g, '') === title && trace && trace.x)
                    return trace.x.length;
            }
            return 0;
        }""",
        title,
    )


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``predicate`` each second; fail the test naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(1.0)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit select box labelled ``label``."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_timeout(1500)


def shoot(page, name: str) -> None:
    """A screenshot of the page as ``test-output/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def open_page(page, title: str) -> None:
    """Follow the sidebar's link to the page titled ``title``."""
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    page.wait_for_timeout(2000)


def run_in_url(page, timeout_ms: int = 20_000) -> str:
    """The run id the page keeps in its URL, waiting for it (it is written just after Start)."""
    page.wait_for_function(RUN_IN_URL, timeout=timeout_ms)
    return page.evaluate(RUN_IN_URL)


def start_on_train(page, lab_server: str, query: str) -> None:
    """Open the Train page with a setup in the URL (``query``) and press Start."""
    page.goto(f"{lab_server}/train?{query}")
    page.get_by_text("Train and watch it learn").wait_for()
    page.get_by_role("button", name="Start a new run").click()


@pytest.fixture(name="start_on_train", scope="session")
def start_on_train_fixture() -> Callable[..., None]:
    return start_on_train


@pytest.fixture(name="plotted_points", scope="session")
def plotted_points_fixture() -> Callable[..., int]:
    return plotted_points


@pytest.fixture(name="wait_for", scope="session")
def wait_for_fixture() -> Callable[..., None]:
    return wait_for


@pytest.fixture(name="choose", scope="session")
def choose_fixture() -> Callable[..., None]:
    return choose


@pytest.fixture(name="shoot", scope="session")
def shoot_fixture() -> Callable[..., None]:
    return shoot


@pytest.fixture(name="open_page", scope="session")
def open_page_fixture() -> Callable[..., None]:
    return open_page


@pytest.fixture(name="run_in_url", scope="session")
def run_in_url_fixture() -> Callable[..., str]:
    return run_in_url
