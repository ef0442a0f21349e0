"""What the browser tests share: the system Chromium, and small ways to read a Streamlit page.

The fixtures built on these (``lab_server``, ``browser``) are in ``conftest.py``.
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


def require_chromium() -> None:
    """Skip without ``/usr/bin/chromium``, unless ``SSL_LAB_REQUIRE_BROWSER=1`` (CI) fails."""
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


def new_tab(browser):
    """A fresh page of ``browser``, projector-sized, with a patient default timeout."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(60_000)
    return page


def serve_lab(tmp_path: Path, *extra_args: str) -> Iterator[str]:
    """``ssl-lab`` (with ``extra_args``) on a free port and a temporary runs directory; its URL
    while it serves, stopped by its PID afterwards."""
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
        *extra_args,
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


RUN_IN_URL = "() => new URL(location.href).searchParams.get('run')"


def run_in_url(page, timeout_ms: int = 20_000) -> str:
    """The run id the page keeps in its URL, waiting for it (it is written just after Start)."""
    page.wait_for_function(RUN_IN_URL, timeout=timeout_ms)
    return page.evaluate(RUN_IN_URL)
