"""The run directory: atomic writes, torn lines, safe ids."""

from __future__ import annotations

import pytest

from sslcore.store import RunStore, atomic_open, new_run_id, read_jsonl, safe_run_dir


def test_a_reader_skips_a_torn_last_line(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "loss": 2.0}\n{"step": 2, "loss": 1.5}\n{"step": 3, "lo')
    assert [r["step"] for r in read_jsonl(path)] == [1, 2]


def test_reading_while_a_writer_appends_never_fails(tmp_path):
    import threading

    store = RunStore(tmp_path / "r")
    store.create({"optim": {"steps": 1}})
    done = threading.Event()

    def write():
        for i in range(2000):
            store.append_metrics({"step": i, "loss": 1.0 / (i + 1), "pad": "x" * 200})
        done.set()

    threading.Thread(target=write).start()
    seen = 0
    while not done.is_set():
        rows = store.metrics()
        assert all("loss" in r for r in rows)
        seen = max(seen, len(rows))
    assert len(store.metrics()) == 2000


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "status.json"
    path.write_text("old")
    with pytest.raises(OSError):
        with atomic_open(path) as handle:
            handle.write("half")
            raise OSError("disk full")
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("bad", ["..", "../x", "/etc", "a/b", "", ".hidden"])
def test_run_ids_cannot_leave_the_runs_directory(tmp_path, bad):
    with pytest.raises(ValueError):
        safe_run_dir(tmp_path, bad)


def test_new_run_ids_are_sanitised(tmp_path):
    run_id = new_run_id("../../etc/passwd my run")
    assert "/" not in run_id and ".." not in run_id
    assert safe_run_dir(tmp_path, run_id).parent == tmp_path.resolve()
