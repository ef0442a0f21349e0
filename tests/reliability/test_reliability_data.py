"""Reliability: every kind of bad image file a student's folder can hold, and broken data roots.

Bad files are skipped and counted (``ImageDataset.skipped``); odd but valid images (CMYK, 16-bit,
huge) are read correctly; a folder, archive or data root that cannot be used is one specific
error that names it. (Empty and missing folders: tests/unit/test_data_folder.py; npz shapes
and dtypes: tests/unit/test_data_npz.py; missing torchvision files:
tests/unit/test_data_torchvision.py.)
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from sslcore.cli import main
from sslcore.config import save_config
from sslcore.data.cifar_pickle import read_cifar_batch
from sslcore.data.folder import load_folder
from sslcore.data.npz import load_npz
from sslcore.jobs import JobManager

X4 = np.zeros((4, 8, 8), np.uint8)


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _claiming_size(png: bytes, width: int, height: int) -> bytes:
    """The PNG with its header (IHDR) rewritten to claim another size: a decompression bomb."""
    start = 8 + 8  # signature, then the IHDR chunk's length and type
    header = struct.pack(">II", width, height) + png[start + 8 : start + 13]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + header) & 0xFFFFFFFF)
    return png[:start] + header + crc + png[start + 17 :]


@pytest.fixture(scope="module")
def messy_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("messy")
    Image.new("RGB", (24, 24), (200, 30, 30)).save(folder / "a_good.png")
    Image.new("CMYK", (24, 24), (0, 255, 255, 0)).save(folder / "b_cmyk.jpg")  # red in CMYK
    Image.fromarray(np.full((24, 24), 40000, np.uint16)).save(folder / "c_grey16.png")
    Image.new("RGB", (4000, 4000), (10, 200, 10)).save(folder / "d_huge.png")
    jpeg = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(jpeg, format="JPEG")
    (folder / "e_truncated.jpg").write_bytes(jpeg.getvalue()[: len(jpeg.getvalue()) // 2])
    (folder / "f_zero.png").write_bytes(b"")
    (folder / "g_corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0garbage" * 10)
    bomb = _claiming_size(_png_bytes(Image.new("L", (8, 8))), 30000, 30000)
    (folder / "h_bomb.png").write_bytes(bomb)
    (folder / "i_notes.txt").write_text("not an image")
    return folder


def test_bad_files_are_skipped_and_counted_odd_images_read_correctly(messy_folder):
    data = load_folder(str(messy_folder), 16)
    assert data.skipped == 5  # truncated, zero-byte, corrupt, bomb, text
    assert data.images.shape == (4, 3, 16, 16)  # good, CMYK, 16-bit, huge (grey becomes RGB)
    good, cmyk, grey16, huge = (data.images[i, :, 8, 8].tolist() for i in range(4))
    assert good == [200, 30, 30]
    assert cmyk[0] > 200 and cmyk[1] < 40 and cmyk[2] < 40
    assert grey16 == [156, 156, 156]  # 40000 / 257: scaled, not clipped to white
    assert huge == [10, 200, 10]


def test_a_folder_of_only_bad_files_names_the_problem(tmp_path):
    (tmp_path / "zero.png").write_bytes(b"")
    (tmp_path / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    with pytest.raises(ValueError, match="none of the 2 files in .* could be read as an image"):
        load_folder(str(tmp_path), 16)


def test_a_missing_folder_fails_the_run_with_its_name(tmp_path, tiny_config):
    manager = JobManager(tmp_path / "runs", max_concurrent=1)
    try:
        missing = tmp_path / "no_such_folder"
        run_id = manager.start(tiny_config(**{"data.dataset": f"folder:{missing}"}))
        status = manager.wait(run_id, 60)
    finally:
        manager.shutdown()
    assert status["state"] == "failed"
    assert f"image folder {missing} does not exist" in status["message"]


def test_the_command_line_names_a_missing_dataset_in_one_line(tmp_path, capsys, tiny_config):
    config_file = tmp_path / "c.json"
    save_config(tiny_config(**{"data.dataset": f"npz:{tmp_path / 'gone.npz'}"}), config_file)
    code = main(["train", "--config", str(config_file), "--runs-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1] == f"sslcore: error: npz file {tmp_path / 'gone.npz'} does not exist"
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert '"state": "failed"' in (run_dir / "status.json").read_text()


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": np.zeros((4, 8, 8), np.float64)}, "'x' must be uint8"),
        ({"x": np.zeros((4, 8, 8, 2), np.uint8)}, "C = 1 or 3"),
        ({"x": np.zeros((4,), np.uint8)}, "got shape \\(4,\\)"),
        ({"x": np.zeros((4, 8, 8), np.uint8), "y": np.zeros(3, np.int64)}, "shape \\(4,\\)"),
        ({"x": np.zeros((2, 8, 8), np.uint8), "y": np.array([0.5, 1.0])}, "integer class"),
        ({"x": X4, "y": np.array([0, 1, -1, 0])}, "labels 0, 1, 2, ..., found -1"),
        ({"x": X4, "y": np.array([0, 1, 2**40, 0])}, "labels go up to 1099511627776"),
        ({"x": X4, "y": np.array([0, 1, 2, 0]), "classes": np.array(["a"])}, "names 1 classes"),
        ({"x": X4, "y": np.array([0, 1, 2, 0]), "classes": np.arange(3)}, "1-D array of strings"),
        ({"x": X4, "classes": np.array(["a"])}, "'classes' is given without 'y'"),
        ({"x": X4, "y": np.zeros((4, 1), np.int64)}, "got \\(4, 1\\)"),
        ({"x": X4, "y": np.array([True, False, True, False])}, "integer class labels, got bool"),
        ({"x": np.zeros((4, 8, 8, 3, 1), np.uint8)}, "C = 1 or 3"),
        ({"x": np.zeros((4, 8, 8, 4), np.uint8)}, "C = 1 or 3"),
        ({"x": np.zeros((0, 8, 8), np.uint8)}, "holds no images"),
        ({"x": np.zeros((4, 0, 8), np.uint8)}, "holds no images"),
        ({"x": np.array([None] * 4, dtype=object)}, "cannot be read without pickle"),
        ({"images": X4}, "has no array 'x'"),
        ({"x_train": X4}, "no 'x_test'"),
    ],
)
def test_npz_with_wrong_shapes_or_dtypes_names_the_array(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=message):
        load_npz(str(path), 16, "train" if "x_train" in arrays else None)


def test_a_huge_label_in_either_split_of_an_own_split_archive_is_refused(tmp_path):
    path = tmp_path / "split.npz"
    labels = np.array([0, 1, 2**40, 1])
    np.savez(path, x_train=X4, x_test=X4, y_train=labels[::-1], y_test=labels)
    for split in ("train", "test"):
        with pytest.raises(ValueError, match="holds only 8 labelled images"):
            load_npz(str(path), 16, split)


def test_a_truncated_npz_is_not_a_readable_archive(tmp_path):
    path = tmp_path / "cut.npz"
    np.savez(path, x=np.zeros((4, 8, 8), np.uint8))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="is not a readable .npz archive"):
        load_npz(str(path), 16)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.booleans())
def test_any_damaged_cifar_batch_is_a_value_error(tmp_path_factory, payload, as_pickle):
    path = tmp_path_factory.mktemp("cifar") / "data_batch_1"
    path.write_bytes((b"\x80\x02" if as_pickle else b"") + payload)
    with pytest.raises(ValueError, match="is not a"):
        read_cifar_batch(path)
