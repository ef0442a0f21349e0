"""Suite-wide settings and the browser fixtures.

On CI, property tests draw the same examples every run (no flakes). Browser tests get a real
``ssl-lab`` server (``lab_server``) and the system Chromium (``browser``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, require_chromium
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


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


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[str]:
    """The lab as one user runs it on their laptop."""
    yield from serve_lab(tmp_path)


@pytest.fixture
def class_lab_server(tmp_path: Path) -> Iterator[str]:
    """The lab as a class server: a policy with no folders of the students' own."""
    policy = tmp_path / "class.json"
    policy.write_text('{"max_concurrent": 1, "per_user_runs": 1, "max_steps": 200}')
    yield from serve_lab(tmp_path, "--classroom", str(policy))


@pytest.fixture
def browser() -> Iterator[object]:
    """The system Chromium, headless, driven by Playwright; closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
