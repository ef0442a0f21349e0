"""Dataset cards: what each dataset is, for the picker, the CLI and the docs."""

from __future__ import annotations

from typing import Any

from sslcore.data.digits import CLASSES as DIGIT_CLASSES
from sslcore.data.digits import N_IMAGES as N_DIGITS
from sslcore.data.folder import folder_info
from sslcore.data.info import DatasetInfo
from sslcore.data.names import DATASET_NAMES, check_dataset_name
from sslcore.data.npz import npz_info
from sslcore.data.shapes import FACTOR_KINDS, SHAPE_NAMES
from sslcore.data.text_dataset import TEXT_PREFIX
from sslcore.data.text_stdlib_docs import MODULES as STDLIB_MODULES
from sslcore.data.torchvision_sets import SETS

BUILT_IN: dict[str, DatasetInfo] = {
    "shapes": DatasetInfo(
        name="shapes",
        description="Procedural shapes (circle, square, triangle, star, cross, hexagon) in random "
        "colours, sizes, positions and angles, with every generative factor recorded: the "
        "default, any number of images, rendered at the run's size.",
        channels=3,
        native_size=32,
        size=None,
        classes=tuple(SHAPE_NAMES),
        has_test_split=True,
        factors=tuple(FACTOR_KINDS),
    ),
    "digits": DatasetInfo(
        name="digits",
        description="scikit-learn's 1,797 handwritten digits, 8x8 grey, upscaled; always "
        "available offline.",
        channels=1,
        native_size=8,
        size=N_DIGITS,
        classes=tuple(DIGIT_CLASSES),
    ),
    **{name: source.info for name, source in SETS.items()},
    "stdlib_docs": DatasetInfo(
        name="stdlib_docs",
        description="Text: paragraphs of the docstrings of Python's own standard library, read "
        "from the installed sources (no download), labelled by the module they document.",
        channels=None,
        native_size=None,
        size=None,
        classes=STDLIB_MODULES,
    ),
}


def dataset_info(name: str) -> DatasetInfo:
    """The card of a dataset by name; for ``folder:``/``npz:`` the path is inspected (listing or
    array headers only, no images decoded).

    Raises:
        ConfigError: the name is not a dataset.
        FileNotFoundError, ValueError: a ``folder:``/``npz:`` path is missing or unusable.
    """
    check_dataset_name(name)
    if name.startswith("folder:"):
        return folder_info(name.removeprefix("folder:"))
    if name.startswith("npz:"):
        return npz_info(name.removeprefix("npz:"))
    if name.startswith(TEXT_PREFIX):
        return DatasetInfo(
            name=name,
            description="Your text: one document per line of a file, or per .txt/.md file of a "
            "folder (labelled by sub-folder).",
            channels=None,
            native_size=None,
            size=None,
        )
    return BUILT_IN[name]


def describe_datasets() -> list[dict[str, Any]]:
    """The cards of every built-in dataset as JSON-ready dicts, in :data:`DATASET_NAMES` order."""
    return [BUILT_IN[name].as_dict() for name in DATASET_NAMES]
