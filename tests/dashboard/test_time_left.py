"""The Train page's time left: smooth over uneven logging windows, honest after a resume."""

from __future__ import annotations

import pytest

from sslcore.train.time_left import seconds_per_step, time_left


def uneven_rows(n: int, log_every: int = 10, eval_every: int = 50) -> list[dict[str, float]]:
    """Rows of a run whose steps take 0.1 s, and whose window after a monitor step 4 s more."""
    rows, elapsed = [], 0.0
    for step in range(log_every, n * log_every + 1, log_every):
        window = log_every * 0.1 + (4.0 if (step - log_every) % eval_every == 0 else 0.0)
        elapsed += window
        rows.append({"step": step, "elapsed_s": elapsed, "step_time_s": window / log_every})
        if step % eval_every == 0:
            rows.append({"step": step, "knn_accuracy": 0.5})  # the monitor's row: no timing
    return rows


def test_time_left_does_not_jump_with_the_monitor_windows() -> None:
    rows = uneven_rows(60)
    naive = [r["step_time_s"] * (1000 - r["step"]) for r in rows if "step_time_s" in r]
    smooth = [time_left(rows[: i + 1], 1000) for i in range(len(rows)) if "elapsed_s" in rows[i]]
    later = smooth[25:]  # once the window holds several monitor steps
    naive_later = naive[25:]
    # The last window's step time swings by 5x; the estimate moves only as steps are done.
    assert max(naive_later) / min(naive_later) > 3
    for before, after in zip(later, later[1:], strict=False):
        assert after is not None and before is not None
        assert after <= before * 1.05
    # and it is right: 0.1 s a step plus 4 s per 50 steps = 0.18 s a step
    assert seconds_per_step(rows) == pytest.approx(0.18, rel=0.05)


def test_time_left_before_and_at_the_first_row() -> None:
    assert time_left([], 100) is None
    assert time_left([{"step": 0, "knn_accuracy": 0.3}], 100) is None
    assert time_left([{"step": 10, "elapsed_s": 5.0, "step_time_s": 0.5}], 100) == 45.0


def test_a_resume_restarts_the_clock() -> None:
    before = [{"step": s, "elapsed_s": s * 1.0, "step_time_s": 1.0} for s in (10, 20, 30)]
    after = [{"step": s, "elapsed_s": (s - 30) * 0.1, "step_time_s": 0.1} for s in (40, 50)]
    assert seconds_per_step(before + after) == pytest.approx(0.1)
    assert time_left(before + after, 100) == pytest.approx(5.0)
