"""``sslcore export``: safetensors, torchvision state dicts, TensorBoard projector files, and
``sslcore.load_backbone``, each checked by the tool that reads them."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from google.protobuf import text_format
from PIL import Image
from safetensors.torch import load_file
from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

import sslcore
from sslcore.checkpoint import load_backbone
from sslcore.cli import main
from sslcore.data.shapes import SHAPE_NAMES
from sslcore.export.torchvision_format import loading_code
from sslcore.store import RunStore
from sslcore.train import Trainer

README = Path(__file__).resolve().parents[2] / "README.md"
QUICK = {"optim.steps": 2, "monitor.eval_every": 2, "monitor.checkpoint_every": 2}
# The monitor embeds the train and test images at every monitor step: few, for a big net.
SMALL = {"data.train_size": 64, "data.test_size": 64, "monitor.probe_size": 32}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_config, new_store):
    """``trained(name, objective="simclr", **changes)``: a finished tiny run in its own folder."""

    def train(name: str, objective: str = "simclr", **changes) -> RunStore:
        config = tiny_config(objective, **{**QUICK, **changes})
        store = new_store(tmp_path_factory.mktemp(name), config)
        assert Trainer(config, store).run()["state"] == "finished"
        return store

    return train


@pytest.fixture(scope="module")
def convnet_run(trained) -> RunStore:
    return trained("convnet")


@pytest.fixture(scope="module")
def resnet_run(trained) -> RunStore:
    resnet = {"backbone.name": "resnet18", "data.image_size": 32, **SMALL}  # the README's
    return trained("resnet", **resnet)


@pytest.fixture(scope="module")
def grey_vit_run(trained) -> RunStore:
    vit = {"backbone.name": "vit_tiny", "backbone.vit_dim": 32, "backbone.vit_depth": 1,
           "backbone.vit_heads": 2, "data.dataset": "digits", **SMALL}  # fmt: skip
    return trained("vit", "mae", **vit)


def export(store: RunStore, fmt: str, out: Path, capsys) -> str:
    code = main(["export", str(store.path), "--format", fmt, "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    return printed.out


def readme_block(heading: str) -> str:
    """The first ```python block after ``heading`` in the README."""
    text = README.read_text()
    section = text[text.index(heading) :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def torchvision_features(code: str, folder: Path, x: torch.Tensor, monkeypatch) -> torch.Tensor:
    """Run the loading lines in ``folder`` (where the export lies), then ``m(preprocess(x))``."""
    monkeypatch.chdir(folder)
    scope: dict = {}
    exec(compile(code, "loading_code", "exec"), scope)
    with torch.no_grad():
        return scope["m"](scope["preprocess"](x))


def test_safetensors_holds_the_backbone_that_load_backbone_returns(convnet_run, tmp_path, capsys):
    export(convnet_run, "safetensors", tmp_path, capsys)
    tensors = load_file(tmp_path / "backbone.safetensors")
    model = sslcore.load_backbone(convnet_run.path)
    assert not model.training
    assert tensors.keys() == model.backbone.state_dict().keys()
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(tensors[key], value)


def test_load_backbone_attaches_its_preprocessing(convnet_run):
    model = sslcore.load_backbone(convnet_run.path)
    lab, _ = load_backbone(convnet_run.path)
    assert (model.channels, model.input_size) == (3, 16)
    assert model.mean == (0.5,) * 3 and model.std == (0.5,) * 3
    photo = np.random.default_rng(0).integers(0, 256, (40, 24, 3), dtype=np.uint8)
    x = model.preprocess(Image.fromarray(photo))
    assert x.shape == (3, 16, 16) and 0 <= x.min() and x.max() <= 1
    assert torch.equal(x, model.preprocess(photo))  # an array reads like the picture
    with torch.no_grad():
        assert torch.allclose(model(x[None]), lab(x[None]))


@pytest.mark.slow  # out of make test-fast: training a resnet18 at 32 px, ~15 s
def test_the_readme_lines_load_a_resnet_export_strictly_with_equal_features(
    resnet_run, tmp_path, capsys, monkeypatch
):
    export(resnet_run, "torchvision", tmp_path, capsys)
    state = torch.load(tmp_path / "backbone-torchvision.pt", weights_only=True)
    assert not any(k.startswith("net.") for k in state)
    generated = (tmp_path / "backbone-torchvision.py").read_text()
    assert readme_block("### torchvision") == generated  # the README shows this run's lines
    images = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    lab, _ = load_backbone(resnet_run.path)
    with torch.no_grad():
        expected = lab(images.float() / 255)
    h = torchvision_features(generated, tmp_path, images, monkeypatch)  # loads strictly
    torch.testing.assert_close(h, expected, rtol=1e-4, atol=1e-5)


def test_a_grey_vit_exports_to_torchvision_vision_transformer(
    grey_vit_run, tmp_path, capsys, monkeypatch
):
    export(grey_vit_run, "torchvision", tmp_path, capsys)
    code = (tmp_path / "backbone-torchvision.py").read_text()
    assert "VisionTransformer(" in code and "nn.Conv2d(1, 32, 4, 4)" in code
    images = torch.randint(0, 256, (3, 1, 16, 16), dtype=torch.uint8)
    lab, _ = load_backbone(grey_vit_run.path)
    with torch.no_grad():
        expected = lab(images.float() / 255)
    h = torchvision_features(code, tmp_path, images, monkeypatch)
    torch.testing.assert_close(h, expected, rtol=1e-4, atol=1e-5)
    model = sslcore.load_backbone(grey_vit_run.path)
    photo = np.full((20, 30, 3), (255, 0, 0), dtype=np.uint8)  # red: luminance 0.299
    x = model.preprocess(photo)
    assert x.shape == (1, 16, 16) and torch.allclose(x, torch.tensor(76 / 255))


def test_a_convnet_refuses_torchvision_naming_what_is_supported(convnet_run, tmp_path, capsys):
    code = main(["export", str(convnet_run.path), "--format", "torchvision", "--out",
                 str(tmp_path)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "resnet18" in err and "vit_tiny" in err and "not convnet" in err
    assert "sslcore.load_backbone" in err


def test_projector_files_parse_as_tensorboard_reads_them(convnet_run, tmp_path, capsys):
    out = export(convnet_run, "projector", tmp_path, capsys)
    assert f"tensorboard --logdir {tmp_path}" in out
    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(), ProjectorConfig())
    (embedding,) = config.embeddings
    features = convnet_run.load_embeddings()["features"]
    n, dim = features.shape
    tensors = np.loadtxt(tmp_path / embedding.tensor_path, delimiter="\t", ndmin=2)
    assert tensors.shape == (n, dim)
    np.testing.assert_allclose(tensors, features, rtol=1e-6)
    rows = (tmp_path / embedding.metadata_path).read_text().splitlines()
    header = rows[0].split("\t")
    assert len(rows) == 1 + n
    assert header[:2] == ["id", "label"] and {"shape", "colour", "size"} <= set(header)
    assert all(len(row.split("\t")) == len(header) for row in rows[1:])
    shape_names = set(SHAPE_NAMES)
    assert {row.split("\t")[header.index("shape")] for row in rows[1:]} <= shape_names
    assert rows[1].split("\t")[1] in shape_names  # labels by name
    sprite = Image.open(tmp_path / embedding.sprite.image_path)
    thumb = list(embedding.sprite.single_image_dim)
    assert thumb == [16, 16]
    assert sprite.size == (math.ceil(math.sqrt(n)) * 16,) * 2
    first = np.asarray(sprite)[:16, :16]
    assert np.array_equal(first, convnet_run.load_embeddings()["images"][0])


def test_a_large_probe_set_shrinks_the_sprite_to_the_projectors_limit():
    from sslcore.export.projector import MAX_SPRITE_SIDE, sprite

    images = np.zeros((5000, 128, 128, 1), dtype=np.uint8)  # 71 a side: 128 px would be 9088
    picture, thumb = sprite(images)
    assert thumb == MAX_SPRITE_SIDE // 71 and picture.size == (71 * thumb,) * 2
    assert picture.size[0] <= MAX_SPRITE_SIDE


@pytest.mark.parametrize("run", ["nope", "runs/nope"])
def test_export_of_a_missing_run_is_one_line_exit_2(tmp_path, capsys, run):
    code = main(["export", run, "--format", "safetensors", "--runs-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "not a run directory" in err


def test_a_run_id_is_looked_up_in_the_runs_directory(convnet_run, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["export", convnet_run.path.name, "--format", "safetensors",
                 "--runs-dir", str(convnet_run.path.parent)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / f"{convnet_run.run_id}-safetensors" / "backbone.safetensors").is_file()


def test_loading_code_names_the_torchvision_builder_of_each_resnet(tiny_config):
    config = tiny_config(**{"backbone.name": "resnet50"})
    assert "torchvision.models.resnet50()" in loading_code(config, 3)


@pytest.mark.slow
def test_the_archive_holds_the_exported_files(resnet_run):
    import io
    import zipfile

    from sslcore.export import export_archive

    with zipfile.ZipFile(io.BytesIO(export_archive(resnet_run.path, "torchvision"))) as archive:
        assert sorted(archive.namelist()) == ["backbone-torchvision.pt", "backbone-torchvision.py"]


def test_the_dashboard_offers_both_exports_and_disables_what_a_run_cannot_give(convnet_run):
    from streamlit.testing.v1 import AppTest

    def buttons(run_path: str) -> None:
        from pathlib import Path

        from dashboard.components import downloads
        from sslcore.store import RunStore

        downloads.render(RunStore(Path(run_path)))

    at = AppTest.from_function(buttons, args=(str(convnet_run.path),)).run()
    assert not at.exception
    shown = {b.proto.label: b.proto.disabled for b in at.get("download_button")}
    assert shown["TensorBoard projector (.zip)"] is False
    assert shown["For torchvision (.zip)"] is True  # a convnet has no torchvision model


def test_tensorboard_itself_serves_the_projector_export(convnet_run, tmp_path, capsys, free_port):
    """A real ``tensorboard --logdir`` reads the files: shape, metadata header, sprite."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    export(convnet_run, "projector", tmp_path, capsys)
    port = free_port()
    command = [sys.executable, "-m", "tensorboard.main", "--logdir", str(tmp_path)]
    command += ["--port", str(port), "--host", "127.0.0.1"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/data/plugin/projector"

    def get(path: str) -> bytes:
        with urllib.request.urlopen(f"{base}/{path}", timeout=5) as reply:
            return reply.read()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                info = json.loads(get("info?run=."))
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no tensorboard"
                time.sleep(0.5)
        (embedding,) = info["embeddings"]
        n, dim = convnet_run.load_embeddings()["features"].shape
        assert embedding["tensorShape"] == [n, dim]
        assert embedding["sprite"]["singleImageDim"] == [16, 16]
        assert len(get("tensor?run=.&name=features")) == n * dim * 4  # float32 rows
        assert get("metadata?run=.&name=features").decode().startswith("id\tlabel\t")
        assert get("sprite_image?run=.&name=features").startswith(b"\x89PNG")
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_a_text_run_exports_its_documents_as_metadata_and_no_sprite(
    tmp_path, capsys, finished_text_run
):
    store = finished_text_run(tmp_path / "runs")
    export(store, "projector", tmp_path / "out", capsys)
    assert not (tmp_path / "out" / "sprite.png").exists()
    config = text_format.Parse(
        (tmp_path / "out" / "projector_config.pbtxt").read_text(), ProjectorConfig()
    )
    assert not config.embeddings[0].HasField("sprite")
    rows = (tmp_path / "out" / "metadata.tsv").read_text().splitlines()
    header = rows[0].split("\t")
    assert header == ["id", "label", "text"]
    assert len(rows) == 1 + len(store.load_embeddings()["features"])
    assert all(len(row.split("\t")) == 3 and row.split("\t")[2] for row in rows[1:])
