"""benchmarks/gpu.py runs end to end on the CPU at a tiny size and prints both loops' rows."""

from __future__ import annotations

import re

import pytest

TINY = [
    "--device", "cpu",
    "--backbone", "convnet",
    "--width", "8",
    "--batch", "8",
    "--steps", "5",
    "--warmup", "5",
    "--precision", "fp32",
    "--rounds", "1",
    "--train-size", "64",
]  # fmt: skip
ROW = r"\| {name} \| ([\d,]+) \| (\d+\.\d\d) \|"


@pytest.mark.slow  # out of make test-fast: a fresh interpreter and both loops, ~12 s
def test_gpu_benchmark_prints_bare_and_trainer_rows_on_the_cpu(run_benchmark) -> None:
    out = run_benchmark("gpu.py", *TINY, timeout=300)
    assert "SimCLR convnet at 32x32, batch 8, fp32" in out
    assert "| loop | images/s | ratio |" in out
    bare = re.search(ROW.format(name="bare PyTorch loop"), out)
    trainer = re.search(ROW.format(name="sslcore Trainer"), out)
    assert bare is not None and trainer is not None, out
    assert bare.group(2) == "1.00"
    assert float(bare.group(1).replace(",", "")) > 0
    assert float(trainer.group(1).replace(",", "")) > 0
    assert float(trainer.group(2)) > 0  # the trainer's images/s over the bare loop's
