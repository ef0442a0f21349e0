"""Run every CPU benchmark in turn (``make bench``) and print their markdown tables.

Each script measures against a baseline in the same run, so the ratios hold on a shared
machine even when absolute numbers drift. Copy the output into BENCHMARKS.md with the date.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = (
    ["engine_vs_bare.py"],
    ["augment_throughput.py"],
    ["lightly_end_to_end.py"],  # ~3 minutes; needs lightly (a test dependency)
    ["memory.py", "--no-browser"],  # the server-with-a-run row needs Chromium and ~2 minutes
    ["projection_speed.py"],
    ["dashboard_polling.py", "--pairs", "2", "--steps", "150"],  # needs /usr/bin/chromium
)


def main() -> int:
    failed = 0
    for script, *args in SCRIPTS:
        print(f"\n## {script}\n", flush=True)
        failed += subprocess.call([sys.executable, str(HERE / script), *args]) != 0
    return failed


if __name__ == "__main__":
    sys.exit(main())
