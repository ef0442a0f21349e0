"""prefetch: the Setup page's dataset is loaded in the background, into the cache Start reads."""

import pytest

from sslcore.config import DataConfig
from sslcore.data import clear_cache, load_dataset, prefetch
from sslcore.data.loading import is_cached
from sslcore.data.prefetch import MAX_BYTES, estimated_bytes


def both_cached(config: DataConfig) -> bool:
    return is_cached(config, "train") and is_cached(config, "test")


def test_both_splits_land_in_the_cache_the_trainer_reads(wait_until) -> None:
    clear_cache()
    config = DataConfig(train_size=96, test_size=64, image_size=16)
    assert not is_cached(config, "train")
    assert prefetch(config)
    assert wait_until(lambda: both_cached(config), 60), "the prefetch never loaded both splits"
    train = load_dataset(config, "train")
    assert len(train) == 96 and load_dataset(config, "train") is train  # from the cache
    assert prefetch(config)  # already there: nothing to do, and still True


def test_the_newest_request_is_loaded_when_several_come_at_once(wait_until) -> None:
    clear_cache()
    configs = [DataConfig(train_size=64 + i, test_size=64, image_size=8) for i in range(4)]
    for config in configs:
        assert prefetch(config)
    assert wait_until(lambda: both_cached(configs[-1]), 60), "the newest was never loaded"


@pytest.mark.parametrize(
    ("config", "why"),
    [
        (DataConfig(train_size=100_000, test_size=10_000, image_size=128), "too large"),
        (DataConfig(dataset="stdlib_docs"), "size unknown before reading it"),
        (DataConfig(dataset="folder:/no/such/folder"), "unreadable"),
    ],
)
def test_large_or_unknown_datasets_are_left_for_start(config: DataConfig, why: str) -> None:
    assert not prefetch(config), why
    assert not is_cached(config, "train")


def test_the_estimate_counts_both_splits_at_the_run_size() -> None:
    shapes = DataConfig(train_size=1000, test_size=200, image_size=32)
    assert estimated_bytes(shapes) == 1200 * 3 * 32 * 32
    assert estimated_bytes(DataConfig(dataset="cifar10", image_size=32)) == 60_000 * 3 * 32**2
    assert estimated_bytes(DataConfig(dataset="cifar10", image_size=32)) <= MAX_BYTES
