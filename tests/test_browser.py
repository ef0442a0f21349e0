"""The lab in a real browser: ``ssl-lab`` in the background, the system Chromium driving it.

It opens the lab, chooses shapes / convnet / simclr, starts a short run, watches the loss chart
gain points, opens the embedding map, stops the run, reloads the page and finds the run still
there, saving a screenshot of every page under ``test-output/screenshots``. A second test opens
the Train page with a text setup in the URL alone (mlm on stdlib_docs), starts it and sees the
loss chart grow and the masked sentences with the model's guesses appear. Without
``/usr/bin/chromium`` it skips, unless ``SSL_LAB_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(os.environ.get("SSL_LAB_TEST_OUTPUT", ROOT / "test-output")) / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
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


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install it (apt-get install -y chromium) to run this test"
    if os.environ.get("SSL_LAB_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[str]:
    """``ssl-lab`` on a free port with a temporary runs directory; stopped by its PID."""
    require_chromium()
    port = free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed in teardown)
    command = [
        sys.executable,
        "-m",
        "dashboard.launch",
        "--port",
        str(port),
        "--runs-dir",
        str(tmp_path / "runs"),
    ]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            log.close()
            pytest.fail(f"ssl-lab did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")
        time.sleep(0.5)
    yield url
    os.kill(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    log.close()


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


def wait_for(predicate, timeout: float, what: str) -> None:
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
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def open_page(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    page.wait_for_timeout(2000)


def test_a_lesson_in_the_browser(lab_server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(60_000)
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
            wait_for(
                lambda: plotted_points(page, "kNN accuracy (probe set)") >= 1, 240, "the kNN chart"
            )
            shoot(page, "train")

            open_page(page, "Embeddings")
            page.get_by_text("The embedding map").wait_for()
            page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=120_000)
            shoot(page, "embeddings")

            open_page(page, "Train")
            page.get_by_role("button", name="Stop").click()
            wait_for(
                lambda: (
                    page.get_by_text("stopped", exact=False).count() > 0
                    or page.get_by_text("finished", exact=False).count() > 0
                ),
                120,
                "the run to stop",
            )
            run_id = page.evaluate("() => new URL(location.href).searchParams.get('run')")
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
        finally:
            browser.close()


def test_a_text_run_in_the_browser(lab_server: str) -> None:
    """Straight to the Train page with the setup in the URL: Start, loss points, guesses."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{lab_server}/train?{TEXT_RUN}")
            page.get_by_text("Train and watch it learn").wait_for()
            page.get_by_role("button", name="Start a new run").click()
            page.get_by_text("Documents per second").wait_for()  # the text run's progress
            wait_for(lambda: plotted_points(page, "Loss") >= 2, 60, "the loss chart")
            first = plotted_points(page, "Loss")
            wait_for(lambda: plotted_points(page, "Loss") > first, 30, "more loss points")
            guesses = page.get_by_text("Guesses", exact=False).first
            guesses.wait_for(timeout=30_000)
            page.get_by_text("▢", exact=False).first.wait_for(timeout=10_000)  # masked words
            run_id = page.evaluate("() => new URL(location.href).searchParams.get('run')")
            assert run_id.startswith("mlm-"), run_id  # the objective the URL named
            page.get_by_role("button", name="Stop").click()
            page.get_by_text("stopped", exact=False).first.wait_for()
            guesses = page.get_by_text("Guesses", exact=False).first  # the page was redrawn
            guesses.scroll_into_view_if_needed()
            shoot(page, "text-train")
        finally:
            browser.close()
