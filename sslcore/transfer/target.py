"""The splits of the dataset a representation is transferred to, adapted to the backbone."""

from __future__ import annotations

import dataclasses
import re

from sslcore.config import DataConfig
from sslcore.data import dataset_info, load_dataset
from sslcore.data.dataset import ImageDataset
from sslcore.transfer.adapt import Adaptation, adapt_dataset, describe_size

# The image sizes DataConfig accepts: a dataset stored at another size is loaded at the
# backbone's size directly (the loader resizes bilinearly too) and reported the same way.
_LOADABLE = (DataConfig.__dataclass_fields__["image_size"].metadata["min"],
             DataConfig.__dataclass_fields__["image_size"].metadata["max"])  # fmt: skip


def transfer_name(dataset: str) -> str:
    """A file-name-safe form of a dataset name: ``folder:/data/cats`` -> ``folder-data-cats``."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", dataset).strip("-_") or "dataset"


def load_target(
    data: DataConfig, dataset: str, channels: int, size: int
) -> tuple[ImageDataset, ImageDataset, Adaptation]:
    """Train and test splits of ``dataset`` fitted to a (channels, size) backbone.

    The images are loaded at their stored size (so the reported resize is the real one, e.g.
    ``8 -> 32`` for digits), then converted and resized by :func:`adapt_dataset`. The run's
    other data settings (root, download, split seed, test fraction, shapes counts) still apply.

    Args:
        data: the pretraining run's data settings.
        dataset: the dataset to transfer to (any name ``data.dataset`` accepts).
        channels: the backbone's input channels.
        size: the backbone's image size.

    Returns:
        (train, test, adaptation): the adapted splits and what was done to their images.
    """
    native = dataset_info(dataset).native_size
    load_size = size
    if native is not None and _LOADABLE[0] <= native <= _LOADABLE[1]:
        load_size = native
    config = dataclasses.replace(data, dataset=dataset, image_size=load_size)
    train, adaptation = adapt_dataset(load_dataset(config, "train"), channels, size)
    test, _ = adapt_dataset(load_dataset(config, "test"), channels, size)
    if load_size != native:  # the loader resized: say so from the stored size
        adaptation = dataclasses.replace(adaptation, size=describe_size(native, size))
    return train, test, adaptation
