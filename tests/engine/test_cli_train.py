"""The command line end to end on shapes: train, runs, resume, objectives, bad input."""

from __future__ import annotations

import json

import pytest

from sslcore.cli import main


def test_train_then_list_then_resume(tmp_path, capsys, tiny_flags):
    runs = tmp_path / "runs"
    code = main(
        [
            "train",
            "--objective",
            "simclr",
            "--runs-dir",
            str(runs),
            "--name",
            "demo",
            "--steps",
            "10",
            *tiny_flags,
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "finished at step 10" in out
    assert main(["runs", "--runs-dir", str(runs), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and rows[0]["state"] == "finished" and rows[0]["objective"] == "simclr"
    run_dir = runs / rows[0]["run_id"]
    assert rows[0]["run_id"].startswith("demo-")
    assert main(["resume", str(run_dir), "--steps", "15", "--quiet"]) == 0
    assert "finished at step 15" in capsys.readouterr().out


def test_objectives_json_lists_hyperparameters(capsys):
    assert main(["objectives", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    simclr = next(r for r in rows if r["name"] == "simclr")
    assert simclr["family"] == "contrastive" and simclr["n_views"] == 2
    assert any(p["name"] == "temperature" for p in simclr["hyperparameters"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-size", "0"], "optim.batch_size: 0 is not allowed"),
        (["--lr", "-1"], "optim.lr: -1.0 is not allowed"),
        (["--set", "data.dataset=imagenet"], "data.dataset: 'imagenet' is not a known dataset"),
        (["--set", "backbone.name=vgg"], "backbone.name: 'vgg' is not one of the allowed values"),
        (["--set", "optim.bacth_size=3"], "optim.bacth_size: unknown field"),
        (["--set", "nonsense"], "expected FIELD=VALUE"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(tmp_path, capsys, args, message):
    code = main(["train", "--runs-dir", str(tmp_path), "--quiet", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
