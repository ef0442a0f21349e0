"""Suite-wide settings and the browser fixtures.

On CI, property tests draw the same examples every run (no flakes). Browser tests get a real
``ssl-lab`` server (``lab_server``) and the system Chromium (``browser``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, require_chromium, serve_lab
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


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
