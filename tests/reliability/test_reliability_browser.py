"""Reliability in the browser: what a hostile student can type into the address bar of a class
server never brings a stack frame, a source line or a server path onto their screen.

The student's browser is the websocket client: every page of a real ``ssl-lab --classroom``
server is driven by Chromium with URLs a student could type, and the rendered page is read back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

HOSTILE_URLS = (
    "setup?data.dataset=npz:/etc/secret.npz",
    "setup?data.dataset=folder:/etc",
    "setup?data.dataset=cifar10&data.root=/etc",
    "setup?data.dataset=text:/etc/passwd",
    "setup?backbone.init_from=run:../../etc",
    "setup?optim.steps=1e400&optim.batch_size=-1&num_threads=256",
    "train?run=../../etc/passwd",
    "embeddings?run=..%2F..%2Fetc",
    "evaluate?run=%00",
    "compare?runs=../x,/etc",
)
ROOT = Path(__file__).resolve().parents[2]
LEAKS = ("Traceback", 'File "', str(ROOT), "site-packages", "line ")


@pytest.fixture(scope="module")
def class_server(tmp_path_factory, serve_lab) -> Iterator[str]:
    """One class server for every URL: a policy with no folders of the students' own."""
    tmp = tmp_path_factory.mktemp("class")
    policy = tmp / "class.json"
    policy.write_text('{"max_concurrent": 1, "per_user_runs": 1, "max_steps": 200}')
    yield from serve_lab(tmp, "--classroom", str(policy))


@pytest.mark.browser
@pytest.mark.parametrize("path", HOSTILE_URLS)
def test_a_hostile_url_from_a_student_shows_no_stack_frame(
    class_server, browser, path, new_tab
) -> None:
    page = new_tab(browser)
    page.goto(f"{class_server}/{path}")
    page.get_by_role("heading").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # errors render after the first heading
    text = page.inner_text("body")
    assert page.locator('[data-testid="stException"]').count() == 0
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} reached the browser"


def test_an_unexpected_error_in_a_page_is_one_line() -> None:
    """The pages' guard: an error no page expected is logged and shown as one line."""
    script = (
        "from dashboard.navigation import guarded\n"
        "def render():\n"
        "    raise RuntimeError('the probe broke\\nsecond line')\n"
        "guarded(render)()\n"
    )
    at = AppTest.from_string(script, default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Something went wrong on this page: the probe broke"]
