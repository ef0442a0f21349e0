"""How long after Start does the first loss point appear, and what fills that time?

Issue 21 asks for the first loss point within 2 s of Start on a quiet 2-core machine. This
script times the default setup (the Setup page's defaults: shapes, convnet, SimCLR) three ways:

1. end to end: :class:`sslcore.train.Trainer` in a thread, polling the run directory as the
   Train page does: when status.json says ``training``, when the first loss row (after the
   first step), the untrained network's record (step 0, written after that row) and the first
   views land;
2. phase by phase, calling the same functions the trainer calls: load the two splits, build
   the objective, set up the monitor, save the probe images, the step-0 monitor record (probe
   features, kNN bank features, kNN, snapshots), and the first training steps;
3. with ``--server N``: in the lab itself, N times, each in a fresh ``ssl-lab`` with the system
   Chromium clicking *Start training* on the Setup page as soon as it has drawn its samples and
   learning-rate chart (as a teacher does after starting the lab), from that click to what the
   server wrote (run created, trainer started, first loss row, step 0's record) and to what the
   page showed (the first loss point drawn, the views). Needs ``/usr/bin/chromium`` and
   ``playwright``.

Usage: ``python benchmarks/first_point.py [--threads 2] [--set monitor.probe_size=256 ...]
[--server 3]``. Prints markdown tables. Run it with the malloc settings of DESIGN.md section 5.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import torch

from sslcore.augment import build_augmenter
from sslcore.config import RunConfig, from_dict, replace, to_dict
from sslcore.data import load_dataset, loading
from sslcore.eval.features import extract_features
from sslcore.eval.knn import knn_accuracy
from sslcore.objectives.base import ImageSpec
from sslcore.store import RunStore
from sslcore.train import Trainer
from sslcore.train.build import build_objective
from sslcore.train.control import RunControl
from sslcore.train.monitor import Monitor


def end_to_end(config: RunConfig, root: Path, poll_s: float = 0.02) -> dict[str, float]:
    """Seconds from Trainer.run() to each first thing a viewer of the run directory sees.

    The run directory is read every ``poll_s`` seconds from this (the main) thread, as a
    dashboard in the same process would: each read holds the GIL for a moment.
    """
    store = RunStore(root / "e2e")
    store.create(to_dict(config))
    control = RunControl()
    started = time.perf_counter()
    thread = threading.Thread(target=Trainer(config, store, control).run, daemon=True)
    thread.start()
    seen: dict[str, float] = {}
    wanted = ("first loss row", "step-0 kNN row", "first views snapshot")
    while thread.is_alive() and not all(name in seen for name in wanted):
        now = time.perf_counter() - started
        status = store.recorded_status() or {}
        if status.get("message") == "training":
            seen.setdefault("status says training", now)
        rows = store.metrics()
        if any("loss" in r for r in rows):
            seen.setdefault("first loss row", now)
        if any("knn_accuracy" in r for r in rows):
            seen.setdefault("step-0 kNN row", now)
        if store.snapshot_steps("views"):
            seen.setdefault("first views snapshot", now)
        time.sleep(poll_s)
    control.stop()  # the first things a viewer sees are all this measures
    thread.join()
    return seen


def phases(config: RunConfig, root: Path) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of each thing the trainer does before its first loss row, in order.

    CPU seconds (all of the process's threads) say what a phase costs whatever else runs on
    the machine; on a quiet 2-core machine its wall time is about CPU / 2 for the parallel
    phases (the network's forward and backward) and CPU / 1 for the serial ones.
    """
    times: dict[str, tuple[float, float]] = {}

    @contextlib.contextmanager
    def timed(name: str):
        t0, cpu0 = time.perf_counter(), time.process_time()
        yield
        times[name] = (time.perf_counter() - t0, time.process_time() - cpu0)

    device = torch.device("cpu")
    store = RunStore(root / "phases")
    store.create(to_dict(config))

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16)

    loading._cache.clear()  # the split as a fresh server loads it, not from end_to_end's run
    with timed("load train split"):
        train = load_dataset(config.data, "train")
    with timed("load test split"):
        test = load_dataset(config.data, "test")
    with timed("build objective + optimizer + augmenter"):
        objective = build_objective(config, ImageSpec(train.channels, train.size))
        objective = objective.to(memory_format=torch.channels_last)
        optimizer = torch.optim.AdamW(objective.parameters(), lr=config.optim.lr)
        augmenter = build_augmenter(config.augment)
    with timed("monitor set-up (probe and bank subsets)"):
        monitor = Monitor(train, test, config.monitor, device, autocast)
    with timed("save probe images"):
        monitor.save_probe_images(store)
    with torch.no_grad():
        with timed(f"  step-0: embed {len(monitor.probe)} probe images"), autocast():
            probe = extract_features(objective.encode, monitor.probe.images, device).float()
        with timed(f"  step-0: embed {len(monitor.bank)} kNN bank images"), autocast():
            bank = extract_features(objective.encode, monitor.bank.images, device).float()
        with timed("  step-0: kNN vote"):
            assert monitor.bank.labels is not None and monitor.probe.labels is not None
            knn_accuracy(bank, monitor.bank.labels, probe, monitor.probe.labels)
    with timed("step-0 monitor record (all of it)"):
        monitor.record(store, objective, 0, None, objective.n_views)
    generator = torch.Generator().manual_seed(0)
    steps = config.monitor.log_every
    loop_start = time.perf_counter()  # the first step's CPU time is not split out (0)
    with timed(f"first {steps} training steps (log_every)"):
        for step in range(steps):
            rows = torch.randint(0, len(train), (config.optim.batch_size,), generator=generator)
            views = augmenter(train.images[rows], objective.n_views, generator)
            views = [v.contiguous(memory_format=torch.channels_last) for v in views]
            with autocast():
                loss = objective(views).loss.float()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if step == 0:
                times["  of which the first step"] = (time.perf_counter() - loop_start, 0.0)
    return times


def in_server(runs: int) -> list[dict[str, float]]:
    """Seconds from the Start click to each first thing, in ``runs`` fresh servers."""
    from dashboard_polling import (  # the same server and browser as the polling benchmark
        click_start,
        free_port,
        open_browser,
        plotted_points,
        start_server,
        stop_server,
    )
    from playwright.sync_api import sync_playwright

    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="ssl-lab-first-") as tmp:
            port, runs_dir = free_port(), Path(tmp) / "runs"
            server = start_server(port, runs_dir, Path(tmp) / "server.log")
            try:
                with sync_playwright() as p:
                    browser = open_browser(p)
                    page, clicked, run_id = click_start(browser, f"http://127.0.0.1:{port}", "")
                    wall_click = clicked + (time.time() - time.monotonic())
                    seen = {"load average (1 min) at the click": os.getloadavg()[0]}
                    while plotted_points(page, "Loss") < 1:
                        page.wait_for_timeout(50)
                    seen["the first loss point drawn"] = time.monotonic() - clicked
                    page.get_by_text("The views the model sees").first.wait_for()
                    seen["the views shown"] = time.monotonic() - clicked
                    store = RunStore(runs_dir / run_id)
                    while not any(r["step"] == 0 for r in store.metrics()):  # step 0's record
                        page.wait_for_timeout(100)
                    browser.close()
                status = store.recorded_status() or {}
                seen["run created (status.json)"] = status["created"] - wall_click
                seen["trainer started (status.json)"] = status["started"] - wall_click
                rows = store.metrics()
                first_row = next(r for r in rows if "loss" in r)
                seen[f"first loss row (step {first_row['step']})"] = first_row["time"] - wall_click
                step_0 = next(r for r in rows if r["step"] == 0)
                seen["step 0's kNN row"] = step_0["time"] - wall_click
            finally:
                stop_server(server)
        results.append(seen)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--set", nargs="*", default=[], help="dotted config changes, a=b")
    parser.add_argument("--poll", type=float, default=0.02, help="seconds between reads")
    parser.add_argument("--server", type=int, default=0, help="also N runs in the lab (0)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    changes = {k: json.loads(v) if v[:1].isdigit() else v
               for k, v in (item.split("=", 1) for item in args.set)}  # fmt: skip
    config = replace(from_dict(RunConfig, {}), **{"num_threads": args.threads, **changes})
    with tempfile.TemporaryDirectory() as folder:
        seen = end_to_end(config, Path(folder), args.poll)
        parts = phases(config, Path(folder))
    print(f"| end to end ({args.threads} threads, read every {args.poll:g} s"
          f"{', ' if changes else ''}"
          f"{', '.join(args.set)}) | seconds after Start |")  # fmt: skip
    print("|---|---:|")
    for name, seconds in seen.items():
        print(f"| {name} | {seconds:.2f} |")
    print("\n| phase, in the trainer's order | wall s | CPU s |\n|---|---:|---:|")
    for name, (wall, cpu) in parts.items():
        print(f"| {name} | {wall:.2f} | {cpu:.2f} |")
    if args.server:
        served = in_server(args.server)
        print("\n| in the lab: seconds after the Start click | " + " | ".join(
            f"run {i + 1}" for i in range(len(served))) + " |")  # fmt: skip
        print("|---|" + "---:|" * len(served))
        for name in sorted(served[0], key=lambda n: served[0][n] if "load" not in n else -1):
            print(f"| {name} | " + " | ".join(f"{run[name]:.2f}" for run in served) + " |")


if __name__ == "__main__":
    main()
