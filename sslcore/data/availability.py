"""Is a configured dataset there? Asked before anything is written, e.g. before a resume.

Loading a dataset to find out would decode every image; this looks only at what must exist:
a ``folder:`` or ``npz:`` path (its listing or array headers, through :func:`dataset_info`), a
text file or folder, or the files of a torchvision set under its data root. Built-in sets
(shapes, digits, stdlib_docs) are always there.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sslcore.data.catalog import dataset_info
from sslcore.data.roots import check_data_path
from sslcore.data.text_dataset import TEXT_PREFIX
from sslcore.data.torchvision_sets import SETS, data_root, missing_files

if TYPE_CHECKING:
    from sslcore.config import DataConfig


def check_available(config: DataConfig) -> None:
    """Raise if the dataset ``config`` names cannot be read now.

    Raises:
        FileNotFoundError: its files are missing (the message names them).
        PermissionError: its path is outside the allowed data roots.
        ValueError: a ``folder:``/``npz:`` path that is not a usable dataset.
    """
    name = config.dataset
    dataset_info(name)  # checks the name; inspects folder: and npz: paths
    if name.startswith(TEXT_PREFIX):
        path = check_data_path(Path(name.removeprefix(TEXT_PREFIX)).expanduser())
        if not path.exists():
            raise FileNotFoundError(f"data.dataset: the text {path} does not exist")
    if name in SETS and not config.download:
        root = data_root(config.root)
        missing = [p for split in ("train", "test") for p in missing_files(SETS[name], root, split)]
        if missing:
            files = ", ".join(str(p) for p in missing)
            raise FileNotFoundError(f"data.dataset: {name} is not in {root}: missing {files}")
