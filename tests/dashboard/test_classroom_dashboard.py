"""Classroom mode in the pages: who sees what, refusals, the teacher, login, the launcher."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import launch
from sslcore.classroom import CLASSROOM_ENV, TEACHER_TOKEN_ENV, ClassroomPolicy
from sslcore.jobs import JobManager, get_manager

TEACHER_TOKEN = "teacher-secret-0123456789"
ADA, BOB = "ada-token-000001", "bob-token-000002"
LONG = {"optim.steps": 400, "optim.batch_size": 16}


@pytest.fixture
def class_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[JobManager]:
    """A classroom server's environment; its job manager, shut down afterwards."""
    policy = {"max_concurrent": 1, "per_user_runs": 1, "max_steps": 400, "max_batch_size": 32}
    path = tmp_path / "class.json"
    path.write_text(json.dumps(policy))
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv(CLASSROOM_ENV, str(path))
    monkeypatch.setenv(TEACHER_TOKEN_ENV, TEACHER_TOKEN)
    manager = get_manager(
        tmp_path / "runs", policy=ClassroomPolicy(**policy, teacher_token=TEACHER_TOKEN)
    )
    yield manager
    manager.shutdown()


def train_page(**params: str) -> AppTest:
    at = AppTest.from_string(
        "from dashboard.screens.train import render\nrender()\n", default_timeout=60
    )
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def run_choices(at: AppTest) -> list[str]:
    boxes = [box for box in at.selectbox if box.key == "ssl_lab_train_run"]
    return list(boxes[0].options) if boxes else []


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_a_student_sees_only_their_own_runs_even_by_link(
    class_server: JobManager, tiny_config
) -> None:
    mine = class_server.start(tiny_config(**LONG), owner=ADA)
    theirs = class_server.start(tiny_config(**LONG), owner=BOB)
    at = train_page(owner=ADA, run=theirs)
    assert not at.exception
    assert [mine in c for c in run_choices(at)] == [True]
    assert "You see your own runs only" in texts(at.caption)
    bob = train_page(owner=BOB)
    assert [theirs in c for c in run_choices(bob)] == [True]
    assert "Waiting in the queue: position 1 of 1" in texts(bob.info)
    assert bob.button(key="train-stop").disabled is False


def test_the_teacher_sees_every_run_and_may_stop_any(class_server: JobManager, tiny_config) -> None:
    first = class_server.start(tiny_config(**LONG), owner=ADA)
    second = class_server.start(tiny_config(**LONG), owner=BOB)
    at = train_page(owner="teacher-tab-0001", teacher=TEACHER_TOKEN, run=second)
    assert not at.exception
    assert len(run_choices(at)) == 2 and "Teacher view" in texts(at.caption)
    at.button(key="train-stop").click().run()
    assert class_server.wait(second, 30)["state"] == "stopped"
    assert class_server.is_live(first)
    assert at.query_params["teacher"] in (TEACHER_TOKEN, [TEACHER_TOKEN])


def test_a_wrong_teacher_token_is_a_student(class_server: JobManager, tiny_config) -> None:
    class_server.start(tiny_config(**LONG), owner=ADA)
    at = train_page(owner=BOB, teacher="guess-guess-guess-guess")
    assert run_choices(at) == [] and "Teacher view" not in texts(at.caption)
    assert "teacher" not in at.query_params


def test_a_start_over_the_limit_is_refused_on_the_page(class_server: JobManager) -> None:
    at = train_page(owner=ADA, **{"optim.steps": "401"})
    at.button(key="train-start").click().run()
    assert not at.exception
    assert "Not started: optim.steps: 401 is above this class's limit of 400" in texts(at.error)
    assert class_server.list() == []


def test_a_forged_owner_token_is_replaced(class_server: JobManager) -> None:
    at = train_page(owner="x")
    owner = at.session_state["ssl_lab_owner"]
    assert owner != "x" and len(owner) >= 12


def test_a_class_that_requires_login_shows_only_the_login_button(
    class_server: JobManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "login.json"
    path.write_text(json.dumps({"require_login": True}))
    monkeypatch.setenv(CLASSROOM_ENV, str(path))
    at = train_page()
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.exception


def test_the_launcher_checks_the_policy_and_passes_it_to_the_server(tmp_path: Path) -> None:
    path = tmp_path / "class.toml"
    path.write_text("max_concurrent = 3\nmax_upload_mb = 5\n")
    args = launch.parse_args(["--classroom", str(path), "--runs-dir", str(tmp_path / "runs")])
    policy = launch.classroom_policy(args)
    command = launch.server_command(args, policy)
    for flag, value in (
        ("--server.enableXsrfProtection", "true"),
        ("--client.showErrorDetails", "false"),
        ("--server.maxUploadSize", "5"),
    ):
        assert command[command.index(flag) + 1] == value
    env = launch.server_env(args, "t" * 24)
    assert env[CLASSROOM_ENV] == str(path.resolve()) and env[TEACHER_TOKEN_ENV] == "t" * 24
    assert CLASSROOM_ENV not in launch.server_env(launch.parse_args([]))
    path.write_text("max_concurrent = 0\n")
    with pytest.raises(SystemExit, match="classroom.max_concurrent"):
        launch.main(["--classroom", str(path)])
