"""The Embeddings page on a hand-made shapes run: a colour factor is drawn in its own colours.

The run is written straight into a runs directory (config, status, probe images, embeddings at
a few steps), so the page is tested in seconds without training anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from sslcore.config import RunConfig, replace, to_dict
from sslcore.data import load_dataset
from sslcore.data.shapes import COLOUR_NAMES, shape_factors
from sslcore.store import RunStore

PROBE = 120
STEPS = (10, 20, 30, 40)


def shapes_run(runs_dir: Path) -> str:
    """A finished shapes run whose probe features drift from noise to one cluster per shape."""
    config = replace(RunConfig(), **{"data.test_size": PROBE, "monitor.probe_size": PROBE})
    store = RunStore(runs_dir / "shapes-run")
    store.create(to_dict(config))
    probe = load_dataset(config.data, "test")
    ids = np.arange(PROBE)
    store.save_probe_images(probe.images.permute(0, 2, 3, 1).numpy(), ids)
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(len(probe.classes), 16))
    noise = rng.normal(size=(PROBE, 16))
    labels = probe.labels.numpy()
    for step in STEPS:
        learned = step / STEPS[-1]
        features = (1 - learned) * noise + learned * (centres[labels] + 0.3 * noise)
        factors = {f"factor_{k}": v.numpy() for k, v in probe.factors.items()}
        store.save_embeddings(step, {"features": features, "labels": labels, "ids": ids, **factors})
    store.write_status("finished", step=STEPS[-1])
    return store.run_id


@pytest.fixture
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    runs = tmp_path / "runs"
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(runs))
    return runs


def embeddings_page(run_id: str) -> AppTest:
    at = AppTest.from_string(
        "from dashboard.screens.embeddings import render\nrender()\n", default_timeout=120
    )
    at.query_params[state.RUN_PARAM] = run_id
    return at


def map_spec(at: AppTest) -> dict:
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert charts, "the map is drawn"
    return json.loads(charts[0].proto.spec)


def hex_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255


def test_colouring_by_colour_draws_each_colour_in_its_own_paint(runs_dir: Path) -> None:
    run_id = shapes_run(runs_dir)
    at = embeddings_page(run_id).run()
    assert not at.exception
    next(w for w in at.selectbox if w.label == "Colour by").select("colour").run()
    assert not at.exception
    scale = map_spec(at)["encoding"]["color"]["scale"]
    legend = dict(zip(scale["domain"], scale["range"], strict=True))
    assert set(legend) == set(COLOUR_NAMES)
    # What the images are painted with: the median RGB of many shapes of each colour.
    factors = shape_factors(RunConfig().data.split_seed, "test", np.arange(3000))
    for value, name in enumerate(COLOUR_NAMES):
        painted = np.median(factors["rgb"][factors["colour"] == value], axis=0)
        assert np.abs(hex_rgb(legend[name]) - painted).max() < 0.08, (name, legend[name], painted)


def test_replaying_the_steps_keeps_the_umap_map_spread(runs_dir: Path) -> None:
    """Drag the replay slider to the first step, then forward to the last: the map keeps its
    size (it used to shrink to a clump, then a dot, and stay a dot back at the last step)."""
    from sslcore.eval.projection import warm_up

    warm_up().join()  # otherwise the page shows PCA while UMAP compiles
    at = embeddings_page(shapes_run(runs_dir)).run()
    assert next(r for r in at.radio if r.label == "Map").value == "umap"
    spreads = [at.session_state[state.MAP_PREVIOUS][3].std(axis=0).mean()]
    replay = next(s for s in at.select_slider if s.label == "Replay the saved steps")
    for step in STEPS:
        replay.set_value(step).run()
        assert not at.exception
        spreads.append(at.session_state[state.MAP_PREVIOUS][3].std(axis=0).mean())
    last = spreads[-1]
    assert all(last / 2 < spread < last * 2 for spread in spreads), spreads


def test_a_clicked_points_neighbours_name_colours_in_their_true_colour() -> None:
    def page() -> None:
        import numpy as np

        from dashboard.components import embedding_map

        rng = np.random.default_rng(0)
        data = {"features": rng.normal(size=(12, 4)), "images": np.zeros((12, 8, 8, 3), np.uint8)}
        names = np.array(["red", "blue"] * 6)
        embedding_map.show_neighbours(data, 0, names, {"red": "#ff2020", "blue": "#2040ff"})

    at = AppTest.from_function(page).run()
    assert not at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("Similarities"))
    assert "<span style='color:#2040ff'>●</span> blue" in caption
    assert "<span style='color:#ff2020'>●</span> red" in caption


def test_projector_mode_hovers_large_thumbnails(runs_dir: Path) -> None:
    import base64
    import io

    from PIL import Image

    def hover_width(at: AppTest) -> int:
        import pyarrow as pa

        charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
        table = pa.ipc.open_stream(charts[0].proto.datasets[0].data.data).read_pandas()
        uri = table["image"].iloc[0]
        return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).width

    run_id = shapes_run(runs_dir)
    assert hover_width(embeddings_page(run_id).run()) == 64
    at = embeddings_page(run_id)
    at.query_params["projector"] = "1"
    assert hover_width(at.run()) >= 160
