"""What watching a run in the browser costs: start-to-first-point latency and training speed.

A real ``ssl-lab`` server runs in the background (its own runs directory, stopped by its PID at
the end) and the system Chromium drives it through Playwright. Every run is started the way a
student starts one: open the Setup page with the run's settings in the URL and click *Start
training*. Then one of two conditions follows:

- **watched**: the Train page stays open, polling the run directory every 2 s and redrawing
  its charts, until the run finishes. The seconds from the click to the first plotted loss point
  are recorded here.
- **unwatched**: the browser is closed as soon as the Train page opens; the run keeps training
  in the server's job thread with nobody looking.

Both conditions train in the same server process, so the only difference is the browser and the
page's polling. Training speed is the median ``images_per_s`` of the run's ``metrics.jsonl``
rows, skipping the first rows (warm-up, and the seconds the unwatched run still had a browser).
The conditions alternate (watched, unwatched, watched, unwatched, ...) so drift on a shared
machine hits both alike, and each back-to-back pair gives a ratio; the median pair's ratio is
reported, since another process's load can change several-fold between pairs. The target is a
watched run at most 5% slower than an unwatched one.

With ``--split-cpus`` the server (with its training thread) keeps CPU 0 and the browser CPU 1, as
when students' browsers run on their own laptops and only the server is shared: the ratio then
measures what the page's polling costs the server (its script reruns, file reads and figures),
apart from the browser's own drawing. The runs then train with one thread.

Run: ``python benchmarks/dashboard_polling.py [--pairs 2] [--steps 150] [--split-cpus]``. Needs
``/usr/bin/chromium`` and the ``playwright`` package (never ``playwright install``). Prints a
markdown table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SKIPPED_ROWS = 3  # warm-up rows, and the unwatched run's first seconds with a browser open
TERMINAL_STATES = ("finished", "stopped", "failed", "diverged")


def note(message: str) -> None:
    """Progress on stderr, so stdout holds only the table."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_query(steps: int, batch_size: int, width: int, threads: int) -> str:
    """The Setup page's URL parameters for one benchmark run (shapes, convnet, SimCLR)."""
    return (
        f"data.dataset=shapes&backbone.name=convnet&objective.name=simclr"
        f"&backbone.width={width}&optim.batch_size={batch_size}&optim.steps={steps}"
        f"&monitor.log_every=10" + (f"&num_threads={threads}" if threads else "")
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    port: int, runs_dir: Path, log_path: Path, cpus: set[int] | None = None
) -> subprocess.Popen[bytes]:
    """``ssl-lab`` in the background (on ``cpus`` only, when given); returns once its health
    check answers."""
    command = [str(ROOT / ".venv/bin/ssl-lab"), "--port", str(port), "--runs-dir", str(runs_dir)]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
    deadline = time.monotonic() + 120
    while True:
        try:
            url = f"http://127.0.0.1:{port}/_stcore/health"
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"ssl-lab did not start:\n{log_path.read_text()[-2000:]}")
        time.sleep(0.5)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.kill(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()


def plotted_points(page: Page, title: str) -> int:
    """How many points the plotly chart titled ``title`` shows (0 when it is not drawn)."""
    return int(
        page.evaluate(
            """(title) => {
                for (const plot of document.querySelectorAll('.js-plotly-plot')) {
                    const raw = (plot.layout && plot.layout.title && plot.layout.title.text) || '';
                    const trace = plot._fullData && plot._fullData[0];
                    if (raw.replace(/<[^>]+>/g, '') === title && trace && trace.x)
                        return trace.x.length;
                }
                return 0;
            }""",
            title,
        )
    )


def open_browser(p: Playwright) -> Browser:
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def click_start(browser: Browser, url: str, query: str) -> tuple[Page, float, str]:
    """Open Setup with ``query``, click Start; the page, the click time and the new run's id."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(120_000)
    page.goto(f"{url}/?{query}")
    page.get_by_text("Set up an experiment").wait_for()
    page.locator('[data-testid="stImage"]').first.wait_for()  # the Setup page has settled:
    page.locator(".js-plotly-plot .main-svg").first.wait_for()  # its samples and LR chart drawn
    clicked = time.monotonic()
    note("Setup page ready; clicking Start training")
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("Train and watch it learn").wait_for()
    deadline = time.monotonic() + 60
    while not (run_id := page.evaluate("() => new URL(location.href).searchParams.get('run')")):
        if time.monotonic() > deadline:
            raise RuntimeError("the Train page's URL never named the run")
        page.wait_for_timeout(200)
    note(f"run {run_id} started, {time.monotonic() - clicked:.1f} s after the click")
    return page, clicked, str(run_id)


def read_state(run_dir: Path) -> str:
    try:
        return str(json.loads((run_dir / "status.json").read_text()).get("state", ""))
    except (OSError, ValueError):
        return ""


def wait_until_done(run_dir: Path, timeout: float, page: Page | None = None) -> None:
    """Wait for the run to end, letting ``page`` (when given) keep polling meanwhile."""
    deadline = time.monotonic() + timeout
    while (state := read_state(run_dir)) not in TERMINAL_STATES:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{run_dir.name} still {state!r} after {timeout:.0f} s")
        if page is not None:
            page.wait_for_timeout(1000)
        else:
            time.sleep(1.0)
    if state != "finished":
        raise RuntimeError(f"{run_dir.name} ended {state!r}; see its events.jsonl")


def training_speed(run_dir: Path) -> float:
    """Median images/s of the run's metric rows after the first :data:`SKIPPED_ROWS`."""
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    speeds = [row["images_per_s"] for row in rows if "images_per_s" in row]  # not monitor rows
    if len(speeds) <= SKIPPED_ROWS:
        raise RuntimeError(f"{run_dir.name} logged only {len(speeds)} rows: train for longer")
    return statistics.median(speeds[SKIPPED_ROWS:])


def watched_run(p: Playwright, url: str, query: str, runs_dir: Path) -> dict[str, Any]:
    """Start a run and keep its Train page open to the end; time the first loss point."""
    browser = open_browser(p)
    try:
        page, clicked, run_id = click_start(browser, url, query)
        while plotted_points(page, "Loss") < 1:
            if time.monotonic() - clicked > 240:
                raise RuntimeError("no loss point within 240 s of the click")
            page.wait_for_timeout(100)
        first_point_s = time.monotonic() - clicked
        note(f"first loss point {first_point_s:.1f} s after the click")
        wait_until_done(runs_dir / run_id, 600, page)
    finally:
        browser.close()
    return {"run": run_id, "first_point_s": first_point_s}


def unwatched_run(p: Playwright, url: str, query: str, runs_dir: Path) -> dict[str, Any]:
    """Start a run through the page, close the browser at once and let the server train."""
    browser = open_browser(p)
    try:
        _, _, run_id = click_start(browser, url, query)
    finally:
        browser.close()
    wait_until_done(runs_dir / run_id, 600)
    return {"run": run_id}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2, help="watched/unwatched pairs (2)")
    parser.add_argument("--steps", type=int, default=150, help="training steps per run (150)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--width", type=int, default=16, help="convnet width (16)")
    parser.add_argument(
        "--threads", type=int, default=0, help="the runs' num_threads (0: the lab's default)"
    )
    parser.add_argument(
        "--split-cpus",
        action="store_true",
        help="server (and its training) on CPU 0, the browser on CPU 1, as when students' "
        "browsers run on their own laptops: measures what polling costs the server alone",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    # A SIGTERM (e.g. from ``timeout``) unwinds like Ctrl-C, so the server is still stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    threads = args.threads or (1 if args.split_cpus else 0)
    query = run_query(args.steps, args.batch_size, args.width, threads)
    results: dict[str, list[dict[str, Any]]] = {"watched": [], "unwatched": []}
    with tempfile.TemporaryDirectory(prefix="ssl-lab-bench-") as tmp:
        runs_dir = Path(tmp) / "runs"
        port = free_port()
        server_cpus = {0} if args.split_cpus else None
        server = start_server(port, runs_dir, Path(tmp) / "server.log", server_cpus)
        if args.split_cpus:  # Playwright's driver and Chromium inherit this process's CPU
            os.sched_setaffinity(0, {1})
        url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                for pair in range(args.pairs):
                    for condition, run in (("watched", watched_run), ("unwatched", unwatched_run)):
                        result = run(p, url, query, runs_dir)
                        result["images_per_s"] = training_speed(runs_dir / result["run"])
                        results[condition].append(result)
                        note(f"pair {pair + 1} {condition}: {result['images_per_s']:.0f} img/s")
        finally:
            stop_server(server)
    print_table(args, results)


def print_table(args: argparse.Namespace, results: dict[str, list[dict[str, Any]]]) -> None:
    watched = [r["images_per_s"] for r in results["watched"]]
    unwatched = [r["images_per_s"] for r in results["unwatched"]]
    first_points = [r["first_point_s"] for r in results["watched"]]
    # Each pair ran back to back, so its ratio sees the least drift; the median pair is reported.
    pair_ratios = [w / u for w, u in zip(watched, unwatched, strict=True)]
    ratio = statistics.median(pair_ratios)
    machine = f"{platform.platform()}, {platform.processor() or platform.machine()}"
    command = shlex.join([Path(sys.executable).name, *sys.argv])
    print(f"Machine: {machine}, nproc {os.cpu_count()}")
    print(f"Date: {datetime.date.today().isoformat()}")
    print(f"Command: `{command}`")
    print(
        f"Runs: shapes, convnet width {args.width}, SimCLR, batch {args.batch_size}, "
        f"{args.steps} steps, alternating watched/unwatched x{args.pairs}"
        + (", server on CPU 0 and browser on CPU 1" if args.split_cpus else "")
        + "\n"
    )
    print("| measure | watched (Train page open) | unwatched (no browser) | ratio |")
    print("|---|---|---|---|")
    print(
        f"| training images/s (median per run) | {' / '.join(f'{v:.0f}' for v in watched)} "
        f"| {' / '.join(f'{v:.0f}' for v in unwatched)} "
        f"| pairs {' / '.join(f'{r:.2f}' for r in pair_ratios)}, median {ratio:.3f} "
        f"({'meets' if ratio >= 0.95 else 'misses'} the 0.95 target) |"
    )
    print(
        f"| Start click to first loss point (s) | {' / '.join(f'{v:.1f}' for v in first_points)} "
        f"| - | - |"
    )


if __name__ == "__main__":
    main()
