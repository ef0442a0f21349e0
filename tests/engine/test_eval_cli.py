"""``sslcore eval`` end to end on a short shapes run: every protocol, JSON out, eval/ files."""

from __future__ import annotations

import json

import pytest

from sslcore.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny_flags):
    runs = tmp_path_factory.mktemp("runs")
    assert main(["train", "--objective", "simclr", "--runs-dir", str(runs), "--name", "ev",
                 "--device", "cpu", "--steps", "20", *tiny_flags, "--quiet"]) == 0  # fmt: skip
    (run,) = runs.iterdir()
    return run


def eval_json(run_dir, capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(["eval", str(run_dir), *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("protocol", ["knn", "linear"])
def test_classification_protocols_print_one_json_object_with_accuracy(run_dir, capsys, protocol):
    result = eval_json(run_dir, capsys, "--protocol", protocol)
    assert 0 <= result["accuracy"] <= 1 and result["n_test"] == 256
    saved = json.loads((run_dir / "eval" / f"{protocol}.json").read_text())
    assert saved["accuracy"] == result["accuracy"]


def test_finetune_and_supervised_with_a_label_fraction(run_dir, capsys):
    for protocol in ("finetune", "supervised"):
        result = eval_json(run_dir, capsys, "--protocol", protocol, "--labels-fraction", "0.1",
                           "--steps", "5")  # fmt: skip
        assert 0 <= result["accuracy"] <= 1 and result["n_labels"] < 100
        assert (run_dir / "eval" / f"{protocol}-10pct.json").is_file()


def test_probes_and_collapse(run_dir, capsys):
    probes = eval_json(run_dir, capsys, "--protocol", "probes")
    assert {f["factor"] for f in probes["factors"]} >= {"shape", "colour", "size", "angle"}
    factors = [f["factor"] for f in probes["factors"]]
    assert [f["factor"] for f in probes["random_factors"]] == factors
    collapse = eval_json(run_dir, capsys, "--protocol", "collapse")
    assert 1 <= collapse["rankme"] <= collapse["rank_max"] and "alignment" in collapse


def test_a_bad_label_fraction_exits_2_with_one_line(run_dir, capsys):
    assert main(["eval", str(run_dir), "--protocol", "linear", "--labels-fraction", "2"]) == 2
    assert "labels fraction must be in (0, 1]" in capsys.readouterr().err
