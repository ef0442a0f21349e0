"""benchmarks/gpu.py runs end to end on the CPU at a tiny size and prints both loops' rows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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


def test_gpu_benchmark_prints_bare_and_trainer_rows_on_the_cpu() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu.py"), *TINY],
        cwd=ROOT,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "SimCLR convnet at 32x32, batch 8, fp32" in out
    assert "| loop | images/s | ratio |" in out
    bare = re.search(ROW.format(name="bare PyTorch loop"), out)
    trainer = re.search(ROW.format(name="sslcore Trainer"), out)
    assert bare is not None and trainer is not None, out
    assert bare.group(2) == "1.00"
    assert float(bare.group(1).replace(",", "")) > 0
    assert float(trainer.group(1).replace(",", "")) > 0
    assert float(trainer.group(2)) > 0  # the trainer's images/s over the bare loop's
