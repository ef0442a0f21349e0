"""A link reproduces the screen: projector mode and each page's choices live in the URL.

A teacher sets the lab up for the room (projector mode, a map coloured by shape at an early step,
two runs compared), copies the address, and opens it on the projector's machine: a new browser
session, which must come back to the same screen. Without ``/usr/bin/chromium`` it skips.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dashboard.screens.evaluate import PROTOCOLS
from sslcore.config import RunConfig, replace, to_dict
from sslcore.data import load_dataset
from sslcore.store import RunStore

pytestmark = pytest.mark.browser

PROBE = 64
STEPS = (10, 20, 30)


def finished_run(runs_dir: Path, name: str) -> str:
    """A finished shapes run with probe embeddings at :data:`STEPS` (no training: seconds)."""
    config = replace(RunConfig(), **{"data.test_size": PROBE, "monitor.probe_size": PROBE})
    store = RunStore(runs_dir / name)
    store.create(to_dict(config))
    probe = load_dataset(config.data, "test")
    ids = np.arange(PROBE)
    store.save_probe_images(probe.images.permute(0, 2, 3, 1).numpy(), ids)
    rng = np.random.default_rng(0)
    factors = {f"factor_{k}": v.numpy() for k, v in probe.factors.items()}
    for step in STEPS:
        features = rng.normal(size=(PROBE, 16))
        labels = probe.labels.numpy()
        store.save_embeddings(step, {"features": features, "labels": labels, "ids": ids, **factors})
    store.write_status("finished", step=STEPS[-1])
    return store.run_id


def projector_on(page) -> bool:
    return page.get_by_role("switch", name="Projector mode").is_checked()


def root_font_px(page) -> float:
    return page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_projector_mode_is_large_and_survives_a_reload(
    lab_server: str, browser, new_tab, shoot
) -> None:
    page = new_tab(browser)
    page.goto(f"{lab_server}/setup")
    page.get_by_text("Each row: the original image").wait_for()
    assert not projector_on(page)
    normal_font = root_font_px(page)
    page.get_by_text("Projector mode").click()
    page.wait_for_function("() => location.search.includes('projector=1')")
    page.reload()  # a new browser session: only the URL remembers
    page.get_by_text("Each row: the original image").wait_for()
    assert projector_on(page)
    assert page.get_by_text("The link had a value").count() == 0, "projector is not a setting"
    assert root_font_px(page) >= 1.2 * normal_font
    preview = page.locator('[data-testid="stImage"] img').last
    preview.wait_for()
    shoot(page, "projector-setup")
    # One row per image: the original and its views, each tile >= 160 px wide (32 px x 5).
    width = preview.evaluate("img => img.naturalWidth")
    assert width >= 3 * 160, f"the preview is {width} px wide: tiles are not projector-sized"
    page.get_by_text("Projector mode").click()
    page.wait_for_function("() => !location.search.includes('projector')")


def test_a_copied_link_brings_back_the_same_screen(
    lab_server: str, browser, tmp_path, new_tab, choose, shoot
) -> None:
    runs_dir = tmp_path / "runs"
    first, second = finished_run(runs_dir, "run-a"), finished_run(runs_dir, "run-b")
    from playwright.sync_api import expect

    page = new_tab(browser)
    page.goto(f"{lab_server}/embeddings?run={first}&projector=1")
    page.get_by_text("Replay the saved steps").wait_for()
    page.get_by_role("radiogroup").get_by_text("PCA").click()
    page.wait_for_function("() => location.search.includes('map=pca')")
    choose(page, "Colour by", "shape")
    page.wait_for_function("() => location.search.includes('colour=shape')")
    slider = page.get_by_role("slider")
    slider.focus()
    page.keyboard.press("Home")  # the first saved step
    page.wait_for_function(f"() => location.search.includes('frame={STEPS[0]}')")
    shoot(page, "projector-embeddings")
    link = page.url

    again = new_tab(browser)
    again.goto(link)
    chart = again.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for()
    assert projector_on(again)
    assert again.get_by_role("radio", name="PCA").is_checked()
    expect(again.get_by_role("combobox", name="Colour by")).to_have_value("shape")
    expect(again.get_by_role("slider")).to_have_attribute("aria-valuetext", str(STEPS[0]))
    assert chart.bounding_box()["y"] < 1000 / 2, "projector mode: the map starts above the fold"

    again.goto(f"{lab_server}/compare?compare={second},{first}")
    again.get_by_text("Final figures").wait_for()
    picker = again.locator('[data-testid="stMultiSelect"]')
    for run in (second, first):  # the chips may come a moment after the table's heading
        expect(picker.get_by_text(run).first).to_be_visible(timeout=30_000)
    assert f"compare={second}%2C{first}" in again.url or f"compare={second},{first}" in again.url

    again.goto(f"{lab_server}/evaluate?run={first}&protocol=probes")
    expect(again.get_by_role("combobox", name="Protocol")).to_have_value(
        PROTOCOLS["probes"], timeout=60_000
    )
