"""Transfer end to end: pretrain on shapes (RGB, 16 px), evaluate the frozen backbone on digits."""

from __future__ import annotations

import json

import pytest

from sslcore.cli import main
from sslcore.eval.run_eval import evaluate_run

DIGITS_ADAPTATION = {"channels": "1 -> 3 (replicated)", "size": "8 -> 16 (bilinear)"}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny_flags):
    runs = tmp_path_factory.mktemp("runs")
    assert main(["train", "--objective", "simclr", "--runs-dir", str(runs), "--name", "tr",
                 "--device", "cpu", "--steps", "20", *tiny_flags, "--quiet"]) == 0  # fmt: skip
    (run,) = runs.iterdir()
    return run


def test_knn_on_digits_reports_the_adaptation_and_saves_beside_the_own_results(run_dir, capsys):
    capsys.readouterr()
    assert main(["eval", str(run_dir), "--protocol", "knn", "--dataset", "digits", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == "digits" and result["pretrain_dataset"] == "shapes"
    assert result["adaptation"] == DIGITS_ADAPTATION
    assert result["n_train"] + result["n_test"] == 1797
    assert 0.1 < result["accuracy"] <= 1  # ten classes: chance is 10%
    saved = json.loads((run_dir / "eval" / "knn-on-digits.json").read_text())
    assert saved["accuracy"] == result["accuracy"] and saved["name"] == "knn-on-digits"


def test_the_text_output_says_what_was_done_to_the_images(run_dir, capsys):
    capsys.readouterr()
    assert main(["eval", str(run_dir), "--protocol", "linear", "--dataset", "digits",
                 "--labels-fraction", "0.1"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "on digits" in out and "channels 1 -> 3 (replicated), size 8 -> 16 (bilinear)" in out
    assert (run_dir / "eval" / "linear-10pct-on-digits.json").is_file()


def test_label_efficiency_on_digits_compares_with_a_random_backbone(run_dir):
    result = evaluate_run(run_dir, "label-efficiency", dataset="digits", fractions=(0.1,),
                          steps=5)  # fmt: skip
    (row,) = result["rows"]
    assert row["fraction"] == 0.1 and {"ssl_linear", "random_linear", "supervised"} <= set(row)
    assert result["name"] == "label-efficiency-on-digits"
    assert result["adaptation"] == DIGITS_ADAPTATION


def test_the_own_dataset_is_not_a_transfer(run_dir):
    result = evaluate_run(run_dir, "knn", dataset="shapes")
    assert result["name"] == "knn" and "adaptation" not in result


def test_an_unknown_dataset_exits_2_naming_the_field(run_dir, capsys):
    with pytest.raises(SystemExit) as refused:  # argparse's choices refuse it
        main(["eval", str(run_dir), "--protocol", "knn", "--dataset", "nope"])
    assert refused.value.code == 2
    assert "--dataset: invalid choice: 'nope'" in capsys.readouterr().err
