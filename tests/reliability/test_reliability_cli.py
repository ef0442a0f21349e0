"""Reliability on the command line: every failure a user can cause is one line and an exit code.

Usage errors (a bad flag, value, file, path or run) exit 2; failures while working (a full disk,
a crash) exit 1; Ctrl-C exits 130; a closed pipe (``| head -1``) is quiet. No traceback, ever,
and no message longer than a few hundred characters, whatever the input.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sslcore import checkpoint as checkpoint_module
from sslcore.cli import main, runs_cmd
from sslcore.cli.errors import explain
from sslcore.config import save_config
from sslcore.store import RunStore

REPO = Path(__file__).resolve().parents[2]
TINY_FLAGS = ["--steps", "4", "--batch-size", "16", "--image-size", "16", "--quiet",
              "--set", "data.train_size=64", "--set", "data.test_size=64",
              "--set", "monitor.probe_size=32", "--set", "backbone.width=8"]  # fmt: skip
LAUGHS = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
        for a, b in zip("abcdefg", "bcdefgh", strict=True)
    )
    + "name: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
)


@pytest.fixture(autouse=True)
def in_a_scratch_folder(tmp_path, monkeypatch):
    """Commands that would write ./runs write into the test's own folder."""
    monkeypatch.chdir(tmp_path)


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and len(lines[0]) < 450
    return lines[0]


def huge_labels(path: Path) -> str:
    """A 30 KB archive whose largest label is 2**40."""
    y = np.zeros(64, np.int64)
    y[7] = 2**40
    np.savez(path, x=np.zeros((64, 16, 16, 3), np.uint8), y=y)
    return f"npz:{path}"


def bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    """Case name -> (arguments, what the one line must say); each exits 2."""
    a_file = tmp / "a_file"
    a_file.write_text("not a folder")
    (tmp / "laughs.yaml").write_text(LAUGHS)
    (tmp / "big.yaml").write_text("name: " + "x" * 1_100_000)
    (tmp / "list.yaml").write_text("- 1\n- 2\n")
    return {
        "runs folder is a file": (["train", "--runs-dir", str(a_file)], "is a file"),
        "resume a file": (["resume", str(a_file)], "not a run directory"),
        "resume nothing": (["resume", str(tmp / "missing")], "not a run directory"),
        "eval nothing": (["eval", str(tmp / "missing"), "--protocol", "knn"], "missing"),
        "nested YAML aliases": (["train", "--config", str(tmp / "laughs.yaml")], "aliases"),
        "a config over 1 MB": (["train", "--config", str(tmp / "big.yaml")], "at most 1 MB"),
        "a config that is a list": (["train", "--config", str(tmp / "list.yaml")], "mapping"),
        "a missing config": (["train", "--config", str(tmp / "none.yaml")], "cannot read"),
        "alias in --set": (["train", "--set", "name=&a [1, *a]"], "aliases"),
        "a 200 KB value": (["train", "--set", "name=" + "y" * 200_000], "name:"),
        "a value under a value": (["train", "--set", "seed.x=1"], "seed"),
        "--set without =": (["train", "--set", "seed"], "FIELD=VALUE"),
        "labels of 2**40": (
            [
                "train",
                "--dataset",
                huge_labels(tmp / "labels.npz"),
                "--runs-dir",
                str(tmp / "runs"),
                *TINY_FLAGS,
            ],
            "labels go up to 1099511627776",
        ),  # fmt: skip
        "steps 0": (["train", "--steps", "0"], "optim.steps"),
        "a million images a batch": (["train", "--batch-size", "1000000"], "optim.batch_size"),
        "256 threads": (["train", "--set", "num_threads=257"], "num_threads"),
        "MAE on a CNN": (["train", "--objective", "mae", "--backbone", "convnet"], "backbone"),
        "an unknown field": (["train", "--set", "optim.lrr=1"], "unknown field"),
        "a device that is not one": (
            ["eval", "x", "--protocol", "knn", "--device", "banana"],
            "invalid choice: 'banana'",
        ),  # fmt: skip
        "an unknown dataset flag": (["train", "--dataset", "imagenet"], "invalid choice"),
        "steps that are not a number": (["train", "--steps", "ten"], "invalid int value"),
        "an unknown subcommand": (["fly"], "invalid choice"),
    }


@pytest.fixture
def cases(tmp_path) -> dict[str, tuple[list[str], str]]:
    return bad_inputs(tmp_path)


CASE_NAMES = [
    "runs folder is a file", "resume a file", "resume nothing", "eval nothing",
    "nested YAML aliases", "a config over 1 MB", "a config that is a list", "a missing config",
    "alias in --set", "a 200 KB value", "a value under a value", "--set without =",
    "labels of 2**40", "steps 0", "a million images a batch", "256 threads", "MAE on a CNN",
    "an unknown field", "a device that is not one", "an unknown dataset flag",
    "steps that are not a number", "an unknown subcommand",
]  # fmt: skip


def exit_code(args: list[str]) -> int:
    """``main``'s exit code; argparse's own refusals exit through SystemExit."""
    try:
        return main(args)
    except SystemExit as done:
        return int(done.code or 0)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_bad_input_is_one_line_and_exit_2(case, cases, capsys):
    args, says = cases[case]
    assert exit_code(args) == 2
    assert says in one_line(capsys)


def test_the_cases_above_are_every_case(cases):
    assert sorted(cases) == sorted(CASE_NAMES)


def test_a_path_outside_the_allowed_roots_is_usage(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SSL_LAB_DATA_ROOTS", str(tmp_path / "allowed"))
    assert main(["train", "--dataset", "folder:/etc", "--runs-dir", str(tmp_path / "r"),
                 *TINY_FLAGS]) == 2  # fmt: skip
    assert "/etc" in one_line(capsys)


UNWRITABLE = [(errno.EROFS, "read-only"), (errno.EACCES, "permission denied"),
               (errno.EPERM, "not permitted")]  # fmt: skip


@pytest.mark.parametrize(("code", "says"), UNWRITABLE)
def test_an_unwritable_runs_folder_is_one_line(code, says, tmp_path, monkeypatch, capsys):
    def refuse(self, config, owner=""):
        raise OSError(code, os.strerror(code), str(self.path / "config.json"))

    monkeypatch.setattr(RunStore, "create", refuse)
    assert main(["train", "--runs-dir", str(tmp_path / "runs"), *TINY_FLAGS]) == 2
    line = one_line(capsys)
    assert says in line and "--runs-dir" in line


def test_a_full_disk_while_checkpointing_is_one_line_and_the_run_says_so(
    tmp_path, monkeypatch, capsys
):
    """What torch really raises when the disk fills under ``torch.save``."""

    def full(*args, **kwargs):
        raise RuntimeError(
            "[enforce fail at inline_container.cc:778] . PytorchStreamWriter failed writing "
            "file data/3: file write failed"
        )

    monkeypatch.setattr(checkpoint_module.torch, "save", full)
    assert main(["train", "--runs-dir", str(tmp_path / "runs"), *TINY_FLAGS]) == 1
    assert "the disk is full" in one_line(capsys)
    store = RunStore(next((tmp_path / "runs").iterdir()))
    assert store.status()["state"] == "failed"
    assert store.status()["message"].startswith("the disk is full")


def test_a_closed_pipe_is_quiet(tmp_path):
    runs = tmp_path / "runs"
    for i in range(1500):  # more than a pipe's buffer of table lines
        store = RunStore(runs / f"run-{i:04d}")
        store.create({"optim": {"steps": 1}, "objective": {"name": "simclr"}})
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c",
         f"{sys.executable} -m sslcore runs --runs-dir {runs} | head -1"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.stderr == ""
    assert done.stdout.startswith("run ")
    assert done.returncode == 141  # as any program killed by SIGPIPE


def test_ctrl_c_outside_training_and_an_unexpected_error_are_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(runs_cmd, "show_runs", interrupted)
    assert main(["runs"]) == 130
    assert one_line(capsys) == "sslcore: interrupted"
    monkeypatch.setattr(runs_cmd, "show_runs", lambda args: 1 / 0)
    assert main(["runs"]) == 1
    assert one_line(capsys) == "sslcore: error: unexpected ZeroDivisionError: division by zero"


def test_a_run_whose_writer_died_lists_as_interrupted(tmp_path, capsys):
    store = RunStore(tmp_path / "runs" / "gone")
    store.create({"optim": {"steps": 10}})
    store.write_status("running", step=5, pid=2**22 + 7)  # no process holds its lock
    assert main(["runs", "--runs-dir", str(tmp_path / "runs"), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["state"] == "interrupted"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), 1),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), 1),
        (RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed"), 1),
        (PermissionError("/x: outside the folders this class may read"), 2),
        (FileNotFoundError("cifar10 is not in /data"), 2),
        (OSError(errno.EIO, "Input/output error"), 1),
        (ValueError("x" * 10_000), 2),
    ],
)
def test_every_error_kind_has_a_short_line_and_a_code(error, code):
    line, got = explain(error)
    assert got == code and len(line) <= 300 and "\n" not in line


def test_a_full_torch_save_keeps_the_last_good_checkpoint(tmp_path, monkeypatch, tiny_config):
    config = tiny_config(**{"optim.steps": 20})
    save_config(config, tmp_path / "c.json")
    assert main(["train", "--config", str(tmp_path / "c.json"), "--runs-dir",
                 str(tmp_path / "runs"), "--quiet", "--steps", "10"]) == 0  # fmt: skip
    store = RunStore(next((tmp_path / "runs").iterdir()))
    good = store.checkpoint_path().read_bytes()
    real_save = torch.save

    def fill_then_fail(obj, handle, *args, **kwargs):
        handle.write(b"half a checkpoint")
        raise RuntimeError("[enforce fail at inline_container.cc:778] . file write failed")

    monkeypatch.setattr(checkpoint_module.torch, "save", fill_then_fail)
    assert main(["resume", str(store.path), "--steps", "20", "--quiet"]) == 1
    monkeypatch.setattr(checkpoint_module.torch, "save", real_save)
    assert store.checkpoint_path().read_bytes() == good
    assert not list(store.path.rglob(".*.tmp"))
