"""benchmarks/vs_lightly.py runs end to end at a tiny size: every lightly recipe and every lab
recipe trains, is scored, and lands in the table and the JSON (the real run needs
shared/data/cifar10_dev.npz and an hour; this one uses 64 random photographs)."""

from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_side_by_side_trains_and_scores_both_recipes_of_every_method(
    tmp_path, write_photos, run_benchmark
) -> None:
    photos = tmp_path / "photos.npz"
    write_photos(photos, train=64, test=16)
    out = tmp_path / "rows.json"
    stdout = run_benchmark("vs_lightly.py", "--npz", str(photos), "--steps", "2",
                           "--batch-size", "16", "--json", str(out),
                           timeout=900, TMPDIR=str(tmp_path))  # fmt: skip
    rows = json.loads(out.read_text())["rows"]
    methods = {"simclr", "moco", "nnclr", "byol", "simsiam", "dino", "barlow_twins", "vicreg"}
    methods.add("mae")
    for recipe in ("lightly", "lab"):
        scored = {r["method"] for r in rows if r["recipe"] == recipe and "knn" in r}
        assert scored == methods, (recipe, rows)
    assert "| dino | lightly |" in stdout and "| random convnet |" in stdout
