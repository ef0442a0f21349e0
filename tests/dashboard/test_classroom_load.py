"""A small class on one server: the queue holds its limit, every run ends or is refused
clearly, and every page rerun completes (the 30-student version is
``benchmarks/classroom_load.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from classroom_load import MAX_STEPS, simulate  # noqa: E402


@pytest.mark.slow
def test_eight_students_two_at_a_time(tmp_path: Path) -> None:
    report = simulate(8, max_concurrent=2, folder=tmp_path, refused_every=4, timeout=240)
    assert report.exceptions == []
    assert report.peak_running == 2  # the limit is reached, and held
    assert report.counts() == {"finished": 6, "refused": 2}
    assert all(f"optim.steps: {MAX_STEPS * 10} is above this class's limit of {MAX_STEPS}" in r
               for r in report.refusals)  # fmt: skip
    assert report.saw_queue_position >= 1
    # Responsive: every rerun of the 8 pages finished, none near AppTest's 120 s timeout.
    assert len(report.latencies_s["watch"]) >= 8
    assert max(max(times) for times in report.latencies_s.values()) < 30
