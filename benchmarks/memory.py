"""Peak resident memory (RSS) of the lab: bare imports, one default run, the server with a run.

Each measure is a fresh process, so nothing is shared between them:

- **imports** (the baseline): ``import torch`` and ``sslcore``, nothing else.
- **default run**: the default recipe (``RunConfig()``: SimCLR, convnet width 32, batch 128,
  shapes at 32x32) through the :class:`~sslcore.train.Trainer`, shortened to ``--steps`` (the
  monitor still embeds, scores kNN and checkpoints, as in a full run).
- **server idle**: the real ``ssl-lab`` server (Streamlit, headless, 127.0.0.1, a free port)
  after its health check answers and one HTTP GET of ``/``.
- **server with one run**: the same server after the system Chromium (through Playwright)
  opened the Setup page, clicked *Start training* for the default recipe at ``--steps`` and kept
  the Train page open until the run finished: the whole lab, as a student uses it.

The processes run with the launcher's malloc settings (``dashboard.launch.MALLOC_ENV``), as the
server does. The peak is the kernel's high-water mark of the process's resident set (``VmHWM``
in ``/proc/<pid>/status``; Linux only), in MiB.

Run: ``python benchmarks/memory.py [--steps 60] [--no-browser]`` (``--no-browser`` skips the
last row, which needs ``/usr/bin/chromium`` and ``playwright``). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import urllib.request
from pathlib import Path

import torch

from dashboard.launch import MALLOC_ENV

ROOT = Path(__file__).resolve().parents[1]
PEAK = textwrap.dedent(
    """
    from pathlib import Path
    print(next(line.split()[1] for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmHWM:")))
    """
)
IMPORTS = "import torch\nimport sslcore\n"
DEFAULT_RUN = textwrap.dedent(
    """
    import sys, tempfile
    from pathlib import Path
    import torch
    from sslcore.config import RunConfig, replace, to_dict
    from sslcore.store import RunStore
    from sslcore.train import Trainer
    config = replace(RunConfig(), **{"optim.steps": int(sys.argv[1])})
    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "run")
        store.create(to_dict(config))
        summary = Trainer(config, store).run()
    if summary["state"] != "finished":
        raise SystemExit(f"the default run ended {summary['state']}")
    """
)


def peak_kib(pid: int) -> int:
    """The resident-set high-water mark of process ``pid`` in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no VmHWM line")


def script_peak_kib(code: str, *args: str) -> int:
    """Run ``code`` in a fresh Python with the server's malloc settings; its peak RSS in KiB."""
    result = subprocess.run(
        [sys.executable, "-c", code + PEAK, *args],
        cwd=ROOT,
        env=dict(os.environ, **MALLOC_ENV),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"measurement failed:\n{result.stderr[-3000:]}")
    return int(result.stdout.split()[-1])


def default_query(steps: int) -> str:
    """The Setup page's URL parameters for the default recipe, shortened to ``steps``."""
    return f"data.dataset=shapes&backbone.name=convnet&objective.name=simclr&optim.steps={steps}"


def server_peaks_kib(steps: int, browser: bool) -> tuple[int, int | None]:
    """Peak RSS of an ``ssl-lab`` server idle, then (with ``browser``) after one default run."""
    import dashboard_polling as polling  # beside this script; needs playwright

    with tempfile.TemporaryDirectory() as folder:
        runs_dir, port = Path(folder) / "runs", polling.free_port()
        server = polling.start_server(port, runs_dir, Path(folder) / "server.log")
        try:
            url = f"http://127.0.0.1:{port}"
            with urllib.request.urlopen(f"{url}/", timeout=30) as reply:
                reply.read()
            idle = peak_kib(server.pid)
            if not browser:
                return idle, None
            with polling.sync_playwright() as p:
                chromium = polling.open_browser(p)
                try:
                    page, _, run_id = polling.click_start(chromium, url, default_query(steps))
                    polling.wait_until_done(runs_dir / run_id, 900, page)
                finally:
                    chromium.close()
            return idle, peak_kib(server.pid)
        finally:
            polling.stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=60, help="steps of the default run")
    parser.add_argument("--no-browser", action="store_true", help="skip the server-with-a-run row")
    args = parser.parse_args()
    rows = [
        ("imports (torch, sslcore): baseline", script_peak_kib(IMPORTS)),
        (
            f"default run, {args.steps} steps, Trainer",
            script_peak_kib(DEFAULT_RUN, str(args.steps)),
        ),
    ]
    idle, with_run = server_peaks_kib(args.steps, not args.no_browser)
    rows.append(("ssl-lab server idle (after GET /)", idle))
    if with_run is not None:
        rows.append(
            (f"ssl-lab server, default run of {args.steps} steps, Train page open", with_run)
        )
    print(
        f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{datetime.date.today()}"
    )
    print("| process | peak RSS MiB | over the baseline MiB |")
    print("|---|---|---|")
    base = rows[0][1]
    for name, kib in rows:
        print(f"| {name} | {kib / 1024:,.0f} | {(kib - base) / 1024:+,.0f} |")


if __name__ == "__main__":
    main()
