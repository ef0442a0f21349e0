"""The README's screenshots (``assets/*.png``), taken from the running lab.

A fresh ``ssl-lab`` serves a temporary runs folder and the system Chromium goes through a lesson
as a student would: Setup with a small shapes run, Start, the Train page once the kNN curve has
a few points, the Embeddings page once UMAP is compiled, a second run (MoCo) to compare with, a
label-efficiency evaluation, Compare and Learn. With ``--vit`` it also trains DINO on a small
ViT and keeps the Train page's attention maps (``assets/attention.png``); with ``--samples`` a
PixelCNN's images drawn from an empty canvas (``assets/samples.png``). Each picture is the
browser's window (1600 x 1000; the Train page 1600 x 2400, down to the views), not the whole
page; ``--projector`` takes them in projector mode.

Run: ``python benchmarks/screenshots.py [--out assets] [--vit] [--samples] [--projector]``
(``--no-lesson``: only the pictures ``--vit`` and ``--samples`` ask for). Needs
``/usr/bin/chromium`` and the ``playwright`` package (never ``playwright install``); a few
minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from dashboard_polling import free_port, open_browser, plotted_points, start_server, stop_server
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
# A lesson-sized run: small splits, a kNN point every 20 steps, done in a minute or two.
RUN = (
    "data.dataset=shapes&backbone.name=convnet&data.train_size=2000&data.test_size=500"
    "&optim.steps=200&monitor.log_every=5&monitor.eval_every=20&monitor.probe_size=500"
)
VIT_RUN = (
    "objective.name=dino&backbone.name=vit_tiny&backbone.vit_dim=64&backbone.vit_depth=2"
    "&backbone.vit_heads=4&data.image_size=16&data.train_size=512&data.test_size=256"
    "&optim.batch_size=32&optim.steps=60&optim.warmup_steps=2&monitor.log_every=5"
    "&monitor.eval_every=20&monitor.probe_size=64"
)
# The autoregressive recipe (8x8 PixelCNN, lr 5e-3, 1,000 steps of 128): 2.5 minutes on 2 cores,
# and draws from an empty canvas that are shapes' blobs, not specks (BENCHMARKS.md).
SAMPLES_RUN = (
    "objective.name=autoregressive&backbone.name=convnet&objective.params.resolution=8"
    "&objective.params.samples=12&optim.lr=0.005&optim.steps=1000&monitor.eval_every=500"
    "&monitor.probe_size=200"
    "&data.train_size=2000&data.test_size=500"
)
WINDOW = {"width": 1600, "height": 1000}
TALL = {"width": 1600, "height": 2400}
WAIT_MS = 600_000  # for anything that trains or evaluates, on a loaded machine


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def shoot(page: Page, path: Path) -> None:
    page.mouse.move(1, 1)  # no hover buttons over a picture
    page.wait_for_timeout(2000)  # the last redraw settles
    page.screenshot(path=str(path))
    note(f"wrote {path}")


def wait_until(page: Page, predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        page.wait_for_timeout(1000)


def run_id_in_url(page: Page) -> str:
    page.wait_for_function("() => new URL(location.href).searchParams.get('run')")
    return str(page.evaluate("() => new URL(location.href).searchParams.get('run')"))


def wait_finished(page: Page, run_dir: Path) -> None:
    """Until the run's status.json says it finished (the page keeps polling meanwhile)."""
    status = run_dir / "status.json"
    wait_until(page, lambda: json.loads(status.read_text())["state"] == "finished", run_dir.name)


def start_on_train(page: Page, url: str, query: str) -> str:
    """Start a run from the Train page with ``query`` as its setup; its run id."""
    page.goto(f"{url}/train?{query}")
    page.get_by_text("Train and watch it learn").wait_for()
    page.get_by_role("button", name="Start a new run").click()
    return run_id_in_url(page)


def lesson(page: Page, url: str, runs: Path, out: Path, extra: str) -> None:
    page.goto(f"{url}/setup?{RUN}{extra}")
    page.get_by_text("Set up an experiment").wait_for()
    page.locator('[data-testid="stImage"]').first.wait_for()
    shoot(page, out / "page-setup.png")

    page.get_by_role("button", name="Start training").click()
    page.get_by_text("Train and watch it learn").wait_for()
    first = run_id_in_url(page)
    knn = "kNN accuracy (probe set)"
    wait_until(page, lambda: plotted_points(page, knn) >= 4, "four kNN points")
    page.set_viewport_size(TALL)  # the curves and the views: the README's first picture
    shoot(page, out / "page-train.png")
    page.set_viewport_size(WINDOW)

    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Embeddings").first.click()
    page.get_by_text("The embedding map").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=WAIT_MS)
    compiling = page.get_by_text("UMAP is compiling", exact=False)  # PCA meanwhile
    wait_until(page, lambda: compiling.count() == 0, "UMAP to compile")
    shoot(page, out / "page-embeddings.png")

    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Train").first.click()
    wait_finished(page, runs / first)
    second = start_on_train(page, url, f"{RUN}&objective.name=moco{extra}")
    wait_finished(page, runs / second)

    page.goto(f"{url}/evaluate?run={first}{extra}")
    page.get_by_role("heading", name="Evaluate the representation").first.wait_for()
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Protocol").first
    box.click()
    label = "Label efficiency (accuracy against the share of labels)"
    page.get_by_role("option", name=label, exact=True).click()
    page.wait_for_timeout(1500)
    page.locator(".st-key-eval-run button").first.click()
    curve = "Accuracy against the share of labels used"
    wait_until(page, lambda: plotted_points(page, curve) > 0, "the label-efficiency curve")
    shoot(page, out / "page-evaluate.png")

    page.goto(f"{url}/compare?{extra.lstrip('&')}")
    page.get_by_role("heading", name="Compare runs").first.wait_for()
    wait_until(page, lambda: plotted_points(page, "Loss") > 0, "the compared curves")
    shoot(page, out / "page-compare.png")

    page.goto(f"{url}/learn?{extra.lstrip('&')}")
    page.get_by_role("heading", name="Learn").first.wait_for()
    shoot(page, out / "page-learn.png")


def attention(page: Page, url: str, out: Path, extra: str) -> None:
    start_on_train(page, url, VIT_RUN + extra)
    heading = page.get_by_role("heading", name=re.compile(r"Where the class token looks"))
    heading.filter(has_text=re.compile(r"\(step [1-9]\d*\)")).wait_for(timeout=WAIT_MS)
    heading.evaluate("el => el.scrollIntoView({block: 'start'})")
    shoot(page, out / "attention.png")


def samples(page: Page, url: str, out: Path, extra: str) -> None:
    start_on_train(page, url, SAMPLES_RUN + extra)
    heading = page.get_by_text("Unconditional (step 1000)").first
    heading.wait_for(timeout=WAIT_MS)  # the last step's draws
    heading.scroll_into_view_if_needed()
    shoot(page, out / "samples.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets", help="folder (assets)")
    parser.add_argument("--vit", action="store_true", help="also assets/attention.png")
    parser.add_argument("--samples", action="store_true", help="also assets/samples.png")
    parser.add_argument("--projector", action="store_true", help="in projector mode")
    parser.add_argument("--no-lesson", action="store_true", help="only --vit and --samples")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    extra = "&projector=1" if args.projector else ""
    with tempfile.TemporaryDirectory(prefix="ssl-lab-shots-") as tmp:
        port = free_port()
        server = start_server(port, Path(tmp) / "runs", Path(tmp) / "server.log")
        url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = open_browser(p)
                page = browser.new_page(viewport=WINDOW)
                page.set_default_timeout(120_000)
                if not args.no_lesson:
                    lesson(page, url, Path(tmp) / "runs", args.out, extra)
                if args.vit:
                    attention(page, url, args.out, extra)
                if args.samples:
                    samples(page, url, args.out, extra)
                browser.close()
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
