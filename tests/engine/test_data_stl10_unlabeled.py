"""STL-10's unlabelled images for pretraining, its labelled splits for the monitor and evaluation,
from small fakes in the real binary format."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sslcore.data import clear_cache, dataset_info
from sslcore.data import stl10_unlabeled as stl
from sslcore.data.torchvision_sets import load_torchvision_set
from sslcore.eval.run_eval import evaluate_run
from sslcore.train import Trainer

COUNTS = {"train": 16, "test": 16, "unlabeled": 40}


def _write_stl10(root) -> dict[str, np.ndarray]:
    """stl10_binary/ with (N, C, H, W) images stored column-major per channel, labels 1..10."""
    folder = root / "stl10_binary"
    folder.mkdir()
    images = {}
    for split, n in COUNTS.items():
        images[split] = np.random.default_rng(n).integers(0, 256, (n, 3, 96, 96), dtype=np.uint8)
        (folder / f"{split}_X.bin").write_bytes(images[split].transpose(0, 1, 3, 2).tobytes())
        if split != "unlabeled":
            labels = np.arange(n, dtype=np.uint8) % 10 + 1
            (folder / f"{split}_y.bin").write_bytes(labels.tobytes())
    return images


@pytest.fixture
def stl10_root(tmp_path):
    images = _write_stl10(tmp_path)
    clear_cache()
    yield tmp_path, images
    clear_cache()


def test_the_unlabelled_split_pretrains_and_keeps_the_labelled_beside_it(stl10_root):
    root, images = stl10_root
    train = load_torchvision_set("stl10_unlabeled", str(root), "train", 96)
    assert torch.equal(train.images, torch.from_numpy(images["unlabeled"]))
    assert train.labels is None and train.classes == []
    labelled = stl.labelled_part(train)
    assert torch.equal(labelled.images, torch.from_numpy(images["train"]))
    assert labelled.labels.tolist() == [i % 10 for i in range(COUNTS["train"])]
    test = load_torchvision_set("stl10_unlabeled", str(root), "test", 96)
    assert torch.equal(test.images, torch.from_numpy(images["test"])) and test.labels is not None


def test_train_unlabeled_puts_the_labelled_training_images_first(stl10_root):
    root, images = stl10_root
    train = load_torchvision_set("stl10_train_unlabeled", str(root), "train", 96)
    expected = np.concatenate([images["train"], images["unlabeled"]])
    assert torch.equal(train.images, torch.from_numpy(expected)) and train.labels is None
    assert len(stl.labelled_part(train)) == COUNTS["train"]


def test_the_file_is_resized_chunk_by_chunk_as_a_whole_read_would_be(stl10_root, monkeypatch):
    root, _ = stl10_root
    whole = load_torchvision_set("stl10_unlabeled", str(root), "train", 32).images
    monkeypatch.setattr(stl, "CHUNK", 7)  # 40 images: five full chunks and a short one
    chunked = stl.read_stl10_images(root / "stl10_binary" / "unlabeled_X.bin", 32)
    assert chunked.shape == (40, 3, 32, 32) and torch.equal(chunked, whole)


def test_a_file_that_is_not_whole_images_is_refused(tmp_path):
    path = tmp_path / "unlabeled_X.bin"
    path.write_bytes(b"\0" * (3 * 96 * 96 + 1))
    with pytest.raises(ValueError, match="not a multiple of 3x96x96 bytes"):
        stl.read_stl10_images(path, 32)


def test_a_missing_unlabelled_file_says_where(stl10_root):
    root, _ = stl10_root
    (root / "stl10_binary" / "unlabeled_X.bin").unlink()
    with pytest.raises(FileNotFoundError, match="stl10_binary/unlabeled_X.bin"):
        load_torchvision_set("stl10_unlabeled", str(root), "train", 32)


def test_the_cards_are_photographs_labelled_by_stl10s_classes():
    card = dataset_info("stl10_train_unlabeled")
    assert (card.channels, card.native_size, card.size) == (3, 96, 113000)
    assert card.classes == dataset_info("stl10").classes and not card.factors
    assert stl.labelled_dataset("stl10_unlabeled") == "stl10" == stl.labelled_dataset("stl10")


def test_a_run_pretrains_unlabelled_and_is_scored_with_labels(
    stl10_root, tmp_path, tiny_config, new_store
):
    root, _ = stl10_root
    config = tiny_config(**{"data.dataset": "stl10_unlabeled", "data.root": str(root),
                            "optim.batch_size": 8, "optim.steps": 4, "monitor.eval_every": 2,
                            "monitor.probe_size": 32, "monitor.knn_k": 5})  # fmt: skip
    store = new_store(tmp_path, config)
    assert Trainer(config, store).run()["state"] == "finished"
    knn = [row["knn_accuracy"] for row in store.metrics() if "knn_accuracy" in row]
    assert len(knn) == 3 and all(0 <= a <= 1 for a in knn)  # the bank: the labelled images
    result = evaluate_run(store.path, "knn")
    assert (result["dataset"], result["n_train"], result["n_test"]) == ("stl10", 16, 16)
    assert evaluate_run(store.path, "knn", dataset="stl10")["name"] == "knn"  # not a transfer
