"""A small class on one server: the queue holds its limit, every run ends or is refused
clearly, and every page rerun completes.

Eight students, two runs at a time, every fourth one asking for more steps than the class
allows: ``benchmarks/classroom_load.py`` simulates the class (each student a Streamlit session
of the Train page in one process) and reports it as JSON; this test reads what happened. How
fast the pages answer is the benchmark's own check (``--max-latency``), not this test's.
"""

from __future__ import annotations

import json

import pytest

MAX_STEPS = 8  # the class's step limit in the benchmark's policy


@pytest.mark.slow
def test_eight_students_two_at_a_time(run_benchmark) -> None:
    args = ["--json", "--students", "8", "--max-concurrent", "2", "--refused-every", "4"]
    report = json.loads(run_benchmark("classroom_load.py", *args).strip().splitlines()[-1])
    assert report["exceptions"] == []
    assert report["peak_running"] == 2  # the limit is reached, and held
    assert report["counts"] == {"finished": 6, "refused": 2}
    assert all(f"optim.steps: {MAX_STEPS * 10} is above this class's limit of {MAX_STEPS}" in r
               for r in report["refusals"])  # fmt: skip
    assert report["saw_queue_position"] >= 1
    # Pages were rerun while the queue drained, and every rerun ran to its end (a rerun that
    # fails or times out is an exception above). How many reruns fit depends on the machine:
    # under load most runs end while the class is still pressing Start.
    assert report["latencies_s"]["watch"]
