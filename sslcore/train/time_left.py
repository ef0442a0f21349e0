"""Time left that does not jump: steps left × the seconds per step over the last stretch.

Each metrics row carries ``step_time_s``, the mean step time of its own logging window. Those
windows are uneven: the one after a monitor step also paid for embedding the probe set and the
kNN bank, the one after a checkpoint for writing it, and on a shared CPU any window may lose its
cores for a moment. Multiplying the last window's step time by the steps left therefore swings
(9 min 24 s, 4 min 31 s, 13 min 03 s on three successive rows of one run). Here the pace is
measured over a stretch of steps long enough to hold those pauses in proportion: the wall time
between two rows ``window_steps`` apart, divided by the steps between them.

One rule for every reader: the Train page computes it from metrics.jsonl, the trainer for each
row's and status.json's ``eta_s`` (the command line's progress line) through :class:`Pace`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

WINDOW_STEPS = 200


def seconds_per_step(
    rows: Sequence[Mapping[str, Any]], window_steps: int = WINDOW_STEPS
) -> float | None:
    """Mean wall seconds per step over about the last ``window_steps`` logged steps.

    Args:
        rows: metrics rows in step order; rows without ``elapsed_s`` (the monitor's) are
            skipped, and only the rows since the last resume are used (``elapsed_s`` starts
            again from 0 in a resumed process).

    Returns:
        None before there is a timed row; with one timed row, its own ``step_time_s``.
    """
    timed = [r for r in rows if isinstance(r.get("elapsed_s"), int | float) and "step" in r]
    for i in range(len(timed) - 1, 0, -1):
        if timed[i]["elapsed_s"] < timed[i - 1]["elapsed_s"]:  # a resume restarted the clock
            timed = timed[i:]
            break
    if not timed:
        return None
    last = timed[-1]
    first = next((r for r in timed if last["step"] - r["step"] <= window_steps), last)
    steps = last["step"] - first["step"]
    if steps <= 0:
        value = last.get("step_time_s")
        return float(value) if isinstance(value, int | float) and math.isfinite(value) else None
    return (last["elapsed_s"] - first["elapsed_s"]) / steps


def time_left(
    rows: Sequence[Mapping[str, Any]], total_steps: int, window_steps: int = WINDOW_STEPS
) -> float | None:
    """Seconds until ``total_steps``, at the pace of :func:`seconds_per_step`; None if unknown."""
    pace = seconds_per_step(rows, window_steps)
    timed = [r for r in rows if "elapsed_s" in r and "step" in r]
    if pace is None or not timed:
        return None
    return max(total_steps - int(timed[-1]["step"]), 0) * pace


class Pace:
    """The trainer's side of :func:`time_left`: the timed rows this process logged, as many as
    the window needs."""

    def __init__(self, window_steps: int = WINDOW_STEPS) -> None:
        self.window_steps = window_steps
        self.rows: list[dict[str, float]] = []

    def time_left(self, row: Mapping[str, Any], total_steps: int) -> float:
        """Seconds left after ``row`` (with ``step``, ``elapsed_s`` and ``step_time_s``)."""
        self.rows.append({k: row[k] for k in ("step", "elapsed_s", "step_time_s")})
        last = row["step"]
        self.rows = [r for r in self.rows if last - r["step"] <= self.window_steps]
        left = time_left(self.rows, total_steps, self.window_steps)
        assert left is not None, "a timed row always gives a pace"
        return left
