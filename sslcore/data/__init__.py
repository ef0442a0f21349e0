"""Datasets: built-in (shapes, digits), torchvision sets from a local root, and the user's own.

Use :func:`load_dataset` with a :class:`~sslcore.config.DataConfig` and ``"train"`` or
``"test"``; it returns an :class:`ImageDataset` of uint8 (N, C, H, W) images at the run's size,
with labels, class names and (for shapes) the generative factors. :func:`dataset_info` and
:func:`describe_datasets` say what a dataset holds without loading it.

One file per source: ``shapes.py`` (procedural, the default), ``digits.py`` (scikit-learn),
``torchvision_sets.py`` (mnist, fashion_mnist, cifar10, stl10; ``stl10_unlabeled.py`` adds
STL-10's unlabelled images for pretraining), ``folder.py`` and ``npz.py`` (your own).
``split.py`` and ``resize.py`` are shared by all; ``prefetch.py`` loads a dataset in the
background while the Setup page shows it.
"""

from sslcore.data.catalog import dataset_info, describe_datasets
from sslcore.data.dataset import ImageDataset
from sslcore.data.info import DatasetInfo
from sslcore.data.loading import clear_cache, load_dataset
from sslcore.data.names import DATASET_NAMES, PREFIXES, check_dataset_name
from sslcore.data.prefetch import prefetch

__all__ = [
    "DATASET_NAMES",
    "PREFIXES",
    "DatasetInfo",
    "ImageDataset",
    "check_dataset_name",
    "clear_cache",
    "dataset_info",
    "describe_datasets",
    "load_dataset",
    "prefetch",
]
