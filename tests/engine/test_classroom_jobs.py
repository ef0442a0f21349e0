"""The job manager enforces the classroom policy itself, not only the pages."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sslcore.classroom import ClassroomPolicy, LimitError
from sslcore.jobs import JobManager, get_manager

LONG = {"optim.steps": 400, "optim.batch_size": 16}


@pytest.fixture
def classroom(tmp_path: Path):
    policy = ClassroomPolicy(max_concurrent=1, max_queued=2, per_user_runs=1, max_steps=400)
    manager = JobManager(tmp_path / "runs", policy=policy)
    yield manager
    manager.shutdown()


def test_one_run_per_student_and_a_bounded_queue(classroom: JobManager, tiny_config) -> None:
    first = classroom.start(tiny_config(**LONG), owner="ada")
    with pytest.raises(LimitError, match="you already have 1 run"):
        classroom.start(tiny_config(**LONG), owner="ada")
    classroom.start(tiny_config(**LONG), owner="bob")
    cy = classroom.start(tiny_config(**LONG), owner="cy")
    with pytest.raises(LimitError, match=r"the queue is full \(2 runs waiting\)"):
        classroom.start(tiny_config(**LONG), owner="dan")
    teacher_run = classroom.start(tiny_config(**LONG), owner="teacher", as_teacher=True)
    assert classroom.queue_position(teacher_run) == 3
    assert classroom.running() == [first] and len(classroom.queued()) == 3
    classroom.stop(first, owner="ada")
    classroom.wait(first, 60)
    assert classroom.queued() == [cy, teacher_run]  # bob trains now; two wait, the most
    with pytest.raises(LimitError, match="the queue is full"):
        classroom.start(tiny_config(**LONG), owner="ada")
    classroom.stop(teacher_run)
    assert classroom.start(tiny_config(**LONG), owner="ada")  # ada may start again


def test_limits_are_checked_at_submission_with_the_field_named(
    classroom: JobManager, tiny_config
) -> None:
    with pytest.raises(LimitError) as caught:
        classroom.start(tiny_config(**{**LONG, "optim.steps": 401}), owner="ada")
    assert caught.value.field == "optim.steps"
    with pytest.raises(LimitError, match="needs to know who starts a run"):
        classroom.start(tiny_config(**LONG), owner="")
    assert classroom.list() == []  # nothing refused left a run directory behind


def test_thirty_simultaneous_starts_of_one_student_admit_exactly_one(
    classroom: JobManager,
    tiny_config,
) -> None:
    admitted, refused = [], []

    def press_start() -> None:
        try:
            admitted.append(classroom.start(tiny_config(**LONG), owner="eve"))
        except LimitError as err:
            refused.append(str(err))

    threads = [threading.Thread(target=press_start) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 1 and len(refused) == 29


def test_only_the_owner_or_the_teacher_controls_a_run(classroom: JobManager, tiny_config) -> None:
    run_id = classroom.start(tiny_config(**LONG), owner="ada")
    for action in (classroom.pause, classroom.resume, classroom.stop):
        with pytest.raises(PermissionError):
            action(run_id, owner="bob")
    classroom.stop(run_id, owner=None)  # the teacher
    assert classroom.wait(run_id, 60)["state"] == "stopped"


def test_a_student_cannot_start_from_another_students_weights(
    classroom: JobManager, tmp_path: Path, tiny_config
) -> None:
    theirs = classroom.start(tiny_config(**LONG), owner="bob")
    classroom.stop(theirs, owner="bob")
    classroom.wait(theirs, 60)
    stolen = {**LONG, "backbone.init_from": f"run:{theirs}"}
    with pytest.raises(LimitError, match="not one of your runs"):
        classroom.start(tiny_config(**stolen), owner="ada")
    by_path = {**LONG, "backbone.init_from": f"run:{tmp_path / 'runs' / theirs}"}
    with pytest.raises(LimitError, match="by its id, not by a path"):
        classroom.start(tiny_config(**by_path), owner="ada")


def test_a_resume_beyond_the_step_limit_is_refused(classroom: JobManager, tiny_config) -> None:
    run_id = classroom.start(tiny_config(**{**LONG, "monitor.checkpoint_every": 5}), owner="ada")
    classroom.stop(run_id, owner="ada")
    classroom.wait(run_id, 60)
    with pytest.raises(LimitError, match="optim.steps: 900"):
        classroom.resume_run(run_id, steps=900, owner="ada")


def test_get_manager_applies_a_changed_policy(tmp_path: Path) -> None:
    manager = get_manager(tmp_path / "runs", policy=ClassroomPolicy(max_concurrent=2))
    assert manager.max_concurrent == 2
    assert get_manager(tmp_path / "runs", policy=ClassroomPolicy(max_concurrent=3)) is manager
    assert manager.max_concurrent == 3 and manager.policy == ClassroomPolicy(max_concurrent=3)
