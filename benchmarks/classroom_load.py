"""A class on one server: N simulated students each start a short run at once.

Every student is a Streamlit session of the Train page (``AppTest``) in this one process, so they
share the process-wide job manager exactly as browser tabs share a server. The class runs in
classroom mode with ``max_concurrent`` runs at once and one run per student. Each student opens
the page with a tiny setup in the URL and presses *Start a new run*; every ``refused_every``-th
student asks for more steps than the class allows and must be refused with a message naming the
limit. Then the students keep reloading their pages, round after round, until every run has
ended, while a sampler thread watches how many runs train at once.

Reported: how many runs finished, how many were refused (and with what message), the peak
number of runs training at once (must not exceed ``max_concurrent``), whether a waiting student
saw their queue position, and the page latency under load: the wall time of one Train page
rerun (script run, file reads, charts), median, 95th percentile and max, for each phase: opening
the page (the first ones pay for imports), pressing Start, and watching while the queue drains.

Run: ``python benchmarks/classroom_load.py [--students 30] [--max-concurrent 2]``. Prints a
markdown table for BENCHMARKS.md, or the report as JSON with ``--json``. ``--max-latency S``
is the timed check: it fails when one page rerun took more than S seconds.
``tests/dashboard/test_classroom_load.py`` runs a small class and checks what happened to it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

from sslcore.jobs import get_manager
from sslcore.store import RunStore

TINY_SETUP = {
    "optim.steps": "8", "optim.batch_size": "16", "optim.warmup_steps": "1",
    "monitor.log_every": "2", "monitor.eval_every": "8", "monitor.checkpoint_every": "8",
    "monitor.probe_size": "32", "data.train_size": "64", "data.test_size": "64",
    "data.image_size": "16", "backbone.width": "8", "num_threads": "1",
}  # fmt: skip
MAX_STEPS = 8
TERMINAL = ("finished", "failed", "stopped", "interrupted")


@dataclass
class Student:
    """One browser session: its page, its run (if admitted) and what it saw."""

    name: str
    page: AppTest
    run_id: str = ""
    refusal: str = ""
    saw_queue_position: bool = False
    exceptions: list[str] = field(default_factory=list)


@dataclass
class ClassReport:
    """What happened to a simulated class (see the module docstring)."""

    students: int
    max_concurrent: int
    outcomes: dict[str, str]
    refusals: list[str]
    peak_running: int
    saw_queue_position: int
    latencies_s: dict[str, list[float]]
    exceptions: list[str]
    wall_s: float

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for outcome in self.outcomes.values():
            out[outcome] = out.get(outcome, 0) + 1
        return out

    def latency(self, phase: str, q: float) -> float:
        """The ``q`` quantile (0.5, 0.95, 1.0) of one phase's page latencies, in seconds."""
        ordered = sorted(self.latencies_s[phase])
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def write_policy(folder: Path, max_concurrent: int, students: int) -> Path:
    path = folder / "class.json"
    policy = {"max_concurrent": max_concurrent, "per_user_runs": 1, "max_queued": students,
              "max_steps": MAX_STEPS, "max_batch_size": 16, "max_image_size": 16}  # fmt: skip
    path.write_text(json.dumps(policy))
    return path


def student_page(index: int, greedy: bool) -> Student:
    """A student's Train page: the tiny setup (or a greedy one) and their own owner token."""
    page = AppTest.from_string(
        "from dashboard.screens.train import render\nrender()\n", default_timeout=120
    )
    setup = dict(TINY_SETUP, **({"optim.steps": str(MAX_STEPS * 10)} if greedy else {}))
    for key, value in {**setup, "owner": f"student-{index:02d}-token"}.items():
        page.query_params[key] = value
    return Student(f"student-{index:02d}", page)


def timed_run(student: Student, latencies: list[float]) -> None:
    started = time.perf_counter()
    student.page.run()
    latencies.append(time.perf_counter() - started)
    student.exceptions += [e.message for e in student.page.exception]
    text = " ".join(str(e.value) for e in student.page.info)
    student.saw_queue_position |= "Waiting in the queue: position" in text


def press_start(student: Student, latencies: list[float]) -> None:
    student.page.button(key="train-start").click()
    timed_run(student, latencies)
    student.run_id = student.page.session_state["ssl_lab_run_id"]
    errors = [str(e.value) for e in student.page.error]
    if errors:
        student.refusal, student.run_id = errors[0], ""


class RunningSampler(threading.Thread):
    """Samples how many runs the job manager trains at once, every few milliseconds."""

    def __init__(self, runs_dir: Path) -> None:
        super().__init__(daemon=True)
        self.manager = get_manager(runs_dir)
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, len(self.manager.running()))
            time.sleep(0.005)


def simulate(
    n_students: int, max_concurrent: int, folder: Path, refused_every: int = 5, timeout: float = 600
) -> ClassReport:
    """Run a class of ``n_students`` in ``folder``; environment variables are restored after."""
    runs_dir = folder / "runs"
    saved = {k: os.environ.get(k) for k in ("SSL_LAB_RUNS_DIR", "SSL_LAB_CLASSROOM")}
    os.environ["SSL_LAB_RUNS_DIR"] = str(runs_dir)
    os.environ["SSL_LAB_CLASSROOM"] = str(write_policy(folder, max_concurrent, n_students))
    students = [
        student_page(i, greedy=refused_every > 0 and i % refused_every == refused_every - 1)
        for i in range(n_students)
    ]
    latencies: dict[str, list[float]] = {"open": [], "start": [], "watch": []}
    started = time.monotonic()
    sampler = None
    try:
        for student in students:
            timed_run(student, latencies["open"])  # everyone opens the page ...
        sampler = RunningSampler(runs_dir)  # the pages made the manager with the class policy
        sampler.start()
        for student in students:
            press_start(student, latencies["start"])  # ... then presses Start, one after the other
        while time.monotonic() - started < timeout:
            waiting = [s for s in students if s.run_id and not run_ended(runs_dir, s.run_id)]
            if not waiting:
                break
            for student in waiting:
                timed_run(student, latencies["watch"])
    finally:
        if sampler is not None:
            sampler.done.set()
        get_manager(runs_dir).shutdown(timeout=60)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    outcomes = {s.name: "refused" if s.refusal else run_state(runs_dir, s.run_id) for s in students}
    return ClassReport(
        students=n_students,
        max_concurrent=max_concurrent,
        outcomes=outcomes,
        refusals=[s.refusal for s in students if s.refusal],
        peak_running=sampler.peak if sampler is not None else 0,
        saw_queue_position=sum(s.saw_queue_position for s in students),
        latencies_s=latencies,
        exceptions=[e for s in students for e in s.exceptions],
        wall_s=time.monotonic() - started,
    )


def run_state(runs_dir: Path, run_id: str) -> str:
    return str((RunStore(runs_dir / run_id).status() or {}).get("state", "missing"))


def run_ended(runs_dir: Path, run_id: str) -> bool:
    return run_state(runs_dir, run_id) in TERMINAL


def markdown(report: ClassReport) -> str:
    counts = report.counts()
    rows = [
        ("students (each starts one run)", report.students),
        ("max runs training at once (policy)", report.max_concurrent),
        ("peak runs training at once (sampled every 5 ms)", report.peak_running),
        ("runs finished", counts.get("finished", 0)),
        ("starts refused with a message", counts.get("refused", 0)),
        ("other outcomes", sum(v for k, v in counts.items() if k not in ("finished", "refused"))),
        ("students who saw their queue position", report.saw_queue_position),
        ("page exceptions", len(report.exceptions)),
        *(
            (
                f"page latency, {phase} ({len(report.latencies_s[phase])} reruns): "
                "median / p95 / max (s)",
                " / ".join(f"{report.latency(phase, q):.2f}" for q in (0.5, 0.95, 1.0)),
            )
            for phase in ("open", "start", "watch")
        ),
        ("whole class, first page to last run ended (s)", f"{report.wall_s:.0f}"),
    ]
    lines = ["| measure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    if report.refusals:
        lines.append(f"\nRefusal message: “{report.refusals[0]}”")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--max-concurrent", type=int, default=2)
    parser.add_argument("--refused-every", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--max-latency", type=float, help="fail when one page rerun took more seconds than this"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        report = simulate(args.students, args.max_concurrent, Path(folder), args.refused_every)
    if args.json:
        print(json.dumps(dataclasses.asdict(report) | {"counts": report.counts()}))
    else:
        print(f"{os.cpu_count()} CPUs, torch {torch.__version__}\n")
        print(markdown(report))
    slowest = max((max(times) for times in report.latencies_s.values() if times), default=0.0)
    if args.max_latency is not None and slowest > args.max_latency:
        sys.exit(f"a page rerun took {slowest:.1f} s, over --max-latency {args.max_latency:g} s")


if __name__ == "__main__":
    main()
