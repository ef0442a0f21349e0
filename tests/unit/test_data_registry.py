"""load_dataset, the split, the cache, the dataset cards and ``sslcore datasets``."""

import json

import pytest
import torch

from sslcore.cli import main
from sslcore.config import ConfigError, DataConfig
from sslcore.data import (
    DATASET_NAMES,
    clear_cache,
    dataset_info,
    describe_datasets,
    load_dataset,
)
from sslcore.data.dataset import ImageDataset
from sslcore.data.split import split_indices, take_split


def test_split_is_reproducible_disjoint_and_complete():
    train, test = split_indices(101, 0.2, seed=7)
    again = split_indices(101, 0.2, seed=7)
    assert torch.equal(train, again[0]) and torch.equal(test, again[1])
    assert len(test) == 20 and len(train) == 81
    assert sorted(train.tolist() + test.tolist()) == list(range(101))
    other = split_indices(101, 0.2, seed=8)
    assert not torch.equal(test, other[1])


def test_split_edge_cases_are_clear():
    train, test = split_indices(2, 0.05, seed=0)
    assert len(train) == 1 and len(test) == 1
    with pytest.raises(ValueError, match="at least 2"):
        split_indices(1, 0.2, seed=0)
    data = ImageDataset(name="x", images=torch.zeros(4, 1, 2, 2, dtype=torch.uint8))
    with pytest.raises(ValueError, match="split 'val'"):
        take_split(data, "val", 0.2, 0)


def test_digits_are_split_by_fraction_and_upscaled():
    clear_cache()
    config = DataConfig(dataset="digits", image_size=16, test_fraction=0.25, split_seed=1)
    train, test = load_dataset(config, "train"), load_dataset(config, "test")
    assert len(train) + len(test) == 1797 and len(test) == 449
    assert train.images.shape[1:] == (1, 16, 16) and train.images.dtype == torch.uint8
    assert train.classes == [str(d) for d in range(10)]
    assert train.images.max() == 255  # 16 grey levels scaled to the full range
    assert set(train.labels.tolist()) == set(range(10))


def test_shapes_default_and_the_cache():
    clear_cache()
    config = DataConfig(train_size=64, test_size=64, image_size=16)
    train = load_dataset(config, "train")
    assert train.images.shape == (64, 3, 16, 16) and train.factors["shape"].shape == (64,)
    assert load_dataset(config, "train") is train  # cached
    # values that do not change shapes' images share the entry
    assert load_dataset(DataConfig(**{**config.__dict__, "test_fraction": 0.3}), "train") is train
    test = load_dataset(config, "test")
    assert not torch.equal(test.images, train.images)
    bigger = load_dataset(DataConfig(train_size=128, test_size=64, image_size=16), "train")
    assert torch.equal(bigger.images[:64], train.images)
    clear_cache()
    assert load_dataset(config, "train") is not train


def test_bad_split_and_bad_name():
    with pytest.raises(ValueError, match="split 'validation'"):
        load_dataset(DataConfig(), "validation")
    with pytest.raises(ConfigError, match="data.dataset"):
        dataset_info("imagenet")


def test_cards_describe_every_built_in_dataset():
    cards = describe_datasets()
    assert [c["name"] for c in cards] == list(DATASET_NAMES)
    keys = {
        "name",
        "description",
        "channels",
        "native_size",
        "size",
        "classes",
        "labelled",
        "has_test_split",
        "factors",
    }
    assert all(set(c) == keys for c in cards)
    shapes = dataset_info("shapes")
    assert shapes.factors[:2] == ("shape", "colour") and shapes.size is None
    assert dataset_info("stl10").native_size == 96 and dataset_info("digits").size == 1797
    assert json.loads(json.dumps(cards)) == cards


def test_cli_lists_datasets_as_json_and_table(capsys):
    assert main(["datasets", "--json"]) == 0
    cards = json.loads(capsys.readouterr().out)
    assert cards == describe_datasets()
    assert main(["datasets"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["name", "image", "channels", "size", "classes", "labelled"]
    assert table[1].split() == ["shapes", "32x32", "3", "any", "6", "yes"]
    assert "cifar10" in table[5] and "60,000" in table[5]
