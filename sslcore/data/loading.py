"""``load_dataset``: one split of the configured dataset, cached per process.

The trainer, the evaluation and the dashboard all ask for the same splits; a small LRU cache
keyed by the config values that matter for each dataset returns the same in-memory
:class:`~sslcore.data.dataset.ImageDataset` instead of loading (or rendering) it again. The
returned dataset is shared: treat it as read-only (``subset`` makes copies safely).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from sslcore.data.dataset import ImageDataset
from sslcore.data.digits import load_digits_dataset
from sslcore.data.folder import load_folder
from sslcore.data.names import check_dataset_name
from sslcore.data.npz import has_own_split, load_npz
from sslcore.data.shapes import make_shapes
from sslcore.data.split import check_split, take_split
from sslcore.data.text_dataset import is_text_dataset, load_text_splits
from sslcore.data.torchvision_sets import SETS, data_root, load_torchvision_set

if TYPE_CHECKING:
    from sslcore.config import DataConfig

T = TypeVar("T")
CACHE_SIZE = 8  # entries: splits, plus the whole of sets split by fraction
_cache: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()


def _cache_key(config: DataConfig, split: str) -> Hashable:
    """Only the values that change this dataset's images, so e.g. ``train_size`` does not
    evict CIFAR-10."""
    name, size = config.dataset, config.image_size
    if name == "shapes":
        count = config.train_size if split == "train" else config.test_size
        return (name, size, split, count, config.split_seed)
    if name in SETS:
        return (name, size, split, str(data_root(config.root)))
    if is_text_dataset(name):
        text = (config.tokenizer, config.context_length)
        return (name, *text, split, config.test_fraction, config.split_seed)
    return (name, size, split, config.test_fraction, config.split_seed)


def _cached(key: Hashable, load: Callable[[], T]) -> T:
    """``load()`` once per key (the caller holds ``_lock``), least recently used evicted."""
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    dataset = load()
    _cache[key] = dataset
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return dataset


def _load_whole(name: str, size: int) -> ImageDataset:
    """All images of a dataset without a test split of its own (split afterwards)."""
    if name == "digits":
        return load_digits_dataset(size)
    if name.startswith("folder:"):
        return load_folder(name.removeprefix("folder:"), size)
    return load_npz(name.removeprefix("npz:"), size)


def _load_split(config: DataConfig, split: str) -> ImageDataset:
    name, size = config.dataset, config.image_size
    if name == "shapes":
        count = config.train_size if split == "train" else config.test_size
        return make_shapes(count, size, seed=config.split_seed, split=split)
    if name in SETS:
        return load_torchvision_set(name, config.root, split, size, download=config.download)
    if is_text_dataset(name):
        # Both splits share one tokenizer, learned on the train documents.
        text = (config.tokenizer, config.context_length, config.test_fraction, config.split_seed)
        splits = _cached(("text", name, *text), lambda: _text_pair(config))
        return splits[0] if split == "train" else splits[1]
    if name.startswith("npz:") and has_own_split(name.removeprefix("npz:")):
        return load_npz(name.removeprefix("npz:"), size, split)
    # Both splits come from one decoded copy, so a folder is read once, not once per split.
    everything = _cached(("whole", name, size), lambda: _load_whole(name, size))
    return take_split(everything, split, config.test_fraction, config.split_seed)


def _text_pair(config: DataConfig) -> tuple[ImageDataset, ImageDataset]:
    return load_text_splits(
        config.dataset,
        config.tokenizer,
        config.context_length,
        config.test_fraction,
        config.split_seed,
    )


def load_dataset(config: DataConfig, split: str) -> ImageDataset:
    """One split of the configured dataset: uint8 (N, C, H, W) at ``config.image_size``.

    Text datasets (``stdlib_docs``, ``text:<path>``) return a
    :class:`~sslcore.data.text_dataset.TextDataset`: (N, ``config.context_length``) int64 token
    ids in ``images``, cut by ``config.tokenizer``, with the documents in ``texts``.

    Datasets with a test split of their own (shapes, the torchvision sets, an .npz archive with
    ``x_train`` and ``x_test``) use it; the others
    hold out a seeded ``config.test_fraction``. For shapes, ``config.split_seed`` seeds the
    generator and ``train_size`` / ``test_size`` set the lengths.

    Args:
        config: the data section of the run config.
        split: ``"train"`` or ``"test"``.

    Raises:
        ValueError: a bad split name, or a user's folder / .npz that cannot be used.
        FileNotFoundError: the files are missing (the message says where and how to get them).
    """
    check_split(split)
    check_dataset_name(config.dataset)
    key = _cache_key(config, split)
    with _lock:  # one load at a time: two pages asking at once share the work
        return _cached(key, lambda: _load_split(config, split))


def is_cached(config: DataConfig, split: str) -> bool:
    """Whether the split is in the cache. Read without the lock, which a load in progress holds
    for as long as it takes (a page asking must not wait for it); a dict lookup is atomic."""
    return _cache_key(config, split) in _cache


def clear_cache() -> None:
    """Forget every cached split (e.g. after the files of a folder changed)."""
    with _lock:
        _cache.clear()
