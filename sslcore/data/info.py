"""What the lab knows about a dataset before (or without) loading it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset's card: what it is and what it holds.

    Attributes:
        name: the name to put in ``data.dataset``.
        description: one or two sentences for the picker.
        channels: 1 (grey) or 3 (RGB); None when unknown without reading the images.
        native_size: the side of the stored images in pixels (before resizing to the run's
            image size); None when the images differ or it is unknown.
        size: how many images there are in all (train + test), when known without loading big
            files; None for procedural data (any number) or when unknown.
        classes: class names, index-aligned with the labels (empty when unlabelled).
        labelled: whether the images carry class labels.
        has_test_split: whether the dataset ships its own test split (else a seeded fraction
            is held out).
        factors: the generative factors recorded per image (procedural data).
    """

    name: str
    description: str
    channels: int | None
    native_size: int | None
    size: int | None
    classes: tuple[str, ...] = ()
    labelled: bool = True
    has_test_split: bool = False
    factors: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
