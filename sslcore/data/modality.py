"""What a run learns from, images or text, as one object chosen once from its dataset.

A :class:`TextDataset` keeps (N, L) token ids where an :class:`ImageDataset` keeps (N, C, H, W)
pixels, so the trainer, the batch schedule and the store treat both alike. Where they differ,
the rest of the lab asks the run's :class:`Modality` instead of testing which one it has:

- the encoder's input: images become floats in [0, 1] batch by batch, token ids go in as
  they are (:meth:`Modality.encoder_input`, used by the feature extraction of the monitor and
  of every evaluation);
- what a preview or snapshot of an input is: a picture, or the decoded document with its
  highlighted tokens marked ``⟦like this⟧`` (:meth:`Modality.save_probe`,
  :meth:`Modality.save_visual`, :meth:`Modality.save_views`);
- whether a batch has augmented views worth comparing (alignment, the views snapshot, transfer
  to another dataset): images do, a sentence's views are the sentence itself;
- which backbones fit (:meth:`Modality.accepts_backbone`) and which evaluation protocols
  apply (:attr:`Modality.protocols`: kNN, linear and fine-tuning for images; kNN, linear,
  collapse and perplexity for text).

:func:`modality_of` picks it for a loaded dataset, :func:`modality_named` for a configured
dataset name, and :func:`modality_called` by its name (what an objective's ``modality`` and a
run card record).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor

from sslcore.config import DataConfig
from sslcore.data.dataset import ImageDataset
from sslcore.data.text_dataset import TEXT_DATASETS, TextDataset, is_text_dataset
from sslcore.store import RunStore

SHOWN_IMAGES = 8  # the views snapshot shows the views of the batch's first images
TEXT_BACKBONES = ("text_transformer",)
IMAGE_PROTOCOLS: tuple[str, ...] = (
    "knn", "linear", "finetune", "supervised", "label-efficiency", "probes", "collapse",
)  # fmt: skip
TEXT_PROTOCOLS: tuple[str, ...] = ("knn", "linear", "collapse", "perplexity")


class Shown(Protocol):
    """What an objective shows (an ``objectives.base.Visual``): a batch with one caption a row."""

    images: Tensor
    captions: list[str] | None


def to_uint8_hwc(images: Tensor) -> np.ndarray:
    """(N, C, H, W) floats in [0, 1] (or uint8) -> (N, H, W, C) uint8 for snapshots."""
    if images.dtype != torch.uint8:
        images = (images.detach().float().clamp(0, 1) * 255).round().to(torch.uint8)
    return images.cpu().permute(0, 2, 3, 1).contiguous().numpy()


def is_token_batch(x: Tensor) -> bool:
    """A (B, L) batch of integer token ids (images are (B, C, H, W))."""
    return x.dim() == 2 and not x.is_floating_point() and x.dtype != torch.uint8


class Modality(Protocol):
    """Images or text: everything the lab does differently for the two.

    Attributes:
        name: ``image`` or ``text`` (as objectives and run cards record it).
        noun: what one example is called on the pages, plural (``images``, ``documents``).
        datasets: the datasets of this modality, in words (for a message).
        default_dataset: the dataset a method of this modality starts from.
        has_views: whether augmentation makes views worth comparing and showing (alignment,
            the views snapshot) and inputs can be adapted to another dataset (transfer).
        protocols: the evaluation protocols that apply to a run of this modality.
    """

    name: str
    noun: str
    datasets: str
    default_dataset: str
    has_views: bool
    protocols: tuple[str, ...]

    def accepts_backbone(self, backbone: str) -> bool:
        """Whether a backbone of this name reads this modality's inputs."""
        ...

    def card_shape(self, data: DataConfig, channels: int | None) -> dict[str, Any]:
        """The run card's shape of an input: ``channels`` and ``image_size`` of an image,
        ``tokenizer`` and ``context_length`` of a document (the other two None)."""
        ...

    def check_inputs(self, inputs: Tensor) -> None:
        """Raise ValueError unless ``inputs`` is a batch of this modality."""
        ...

    def encoder_input(self, batch: Tensor, device: torch.device | str) -> Tensor:
        """A stored batch as the encoder reads it, on ``device``."""
        ...

    def save_probe(self, store: RunStore, probe: ImageDataset, ids: np.ndarray) -> None:
        """Save the probe set once per run (its embeddings refer to it by id)."""
        ...

    def save_visual(
        self, store: RunStore, name: str, step: int, visual: Shown, data: ImageDataset
    ) -> None:
        """Save an objective's visual as the snapshot ``name`` at ``step``."""
        ...

    def save_views(
        self,
        store: RunStore,
        step: int,
        views: list[Tensor],
        n_views: int,
        originals: Tensor | None = None,
    ) -> None:
        """Snapshot the first examples' views at ``step`` (and the originals they came from)."""
        ...


class ImageModality:
    """Pictures: (N, C, H, W) uint8 stored, floats in [0, 1] encoded, shown as they are."""

    name = "image"
    noun = "images"
    datasets = "an image dataset (shapes, cifar10, folder:<path>, ...)"
    default_dataset = str(DataConfig.__dataclass_fields__["dataset"].default)  # no checks run
    has_views = True
    protocols = IMAGE_PROTOCOLS

    def accepts_backbone(self, backbone: str) -> bool:
        return backbone not in TEXT_BACKBONES

    def card_shape(self, data: DataConfig, channels: int | None) -> dict[str, Any]:
        shape = {"channels": channels, "image_size": data.image_size}
        return shape | {"tokenizer": None, "context_length": None}

    def check_inputs(self, inputs: Tensor) -> None:
        if inputs.dim() != 4 or not (inputs.dtype == torch.uint8 or inputs.is_floating_point()):
            raise ValueError(
                "images must be a (N, C, H, W) uint8 or float tensor, got "
                f"{tuple(inputs.shape)} {inputs.dtype}"
            )

    def encoder_input(self, batch: Tensor, device: torch.device | str) -> Tensor:
        x = batch.to(device).float()
        return x.div_(255.0) if batch.dtype == torch.uint8 else x

    def save_probe(self, store: RunStore, probe: ImageDataset, ids: np.ndarray) -> None:
        store.save_probe_images(to_uint8_hwc(probe.images), ids)

    def save_visual(
        self, store: RunStore, name: str, step: int, visual: Shown, data: ImageDataset
    ) -> None:
        store.save_snapshot(name, step, to_uint8_hwc(visual.images), visual.captions)

    def save_views(
        self,
        store: RunStore,
        step: int,
        views: list[Tensor],
        n_views: int,
        originals: Tensor | None = None,
    ) -> None:
        shown = torch.stack([v[:SHOWN_IMAGES] for v in views], dim=1).flatten(0, 1)
        captions = [
            f"image {i + 1}, view {j + 1}"
            for i in range(min(SHOWN_IMAGES, len(views[0])))
            for j in range(n_views)
        ]
        store.save_snapshot("views", step, to_uint8_hwc(shown), captions)
        if originals is not None:
            first = originals[:SHOWN_IMAGES].float() / 255
            store.save_snapshot("originals", step, to_uint8_hwc(first))


class TextModality:
    """Documents: (N, L) token ids stored and encoded as they are, shown decoded with the
    dataset's tokenizer. No views are saved or compared: a sentence's views are itself."""

    name = "text"
    noun = "documents"
    datasets = "stdlib_docs or text:<path>"
    default_dataset = TEXT_DATASETS[0]
    has_views = False
    protocols = TEXT_PROTOCOLS

    def accepts_backbone(self, backbone: str) -> bool:
        return backbone in TEXT_BACKBONES

    def card_shape(self, data: DataConfig, channels: int | None) -> dict[str, Any]:
        shape = {"tokenizer": data.tokenizer, "context_length": data.context_length}
        return shape | {"channels": None, "image_size": None}

    def check_inputs(self, inputs: Tensor) -> None:
        if not is_token_batch(inputs):
            raise ValueError(
                f"token ids must be a (N, L) integer tensor, got {tuple(inputs.shape)} "
                f"{inputs.dtype}"
            )

    def encoder_input(self, batch: Tensor, device: torch.device | str) -> Tensor:
        return batch.to(device)

    def save_probe(self, store: RunStore, probe: ImageDataset, ids: np.ndarray) -> None:
        texts = probe.texts if isinstance(probe, TextDataset) else None
        store.save_probe_images(np.zeros((0, 1, 1, 1), dtype=np.uint8), ids, texts)

    def save_visual(
        self, store: RunStore, name: str, step: int, visual: Shown, data: ImageDataset
    ) -> None:
        """Decode the visual's (N, L) ids, its ``highlight`` (N, L) tokens marked ``⟦so⟧``.

        A visual that is a picture, not token ids (SimCSE's similarity matrix: floats), is saved
        as a picture.
        """
        if visual.images.is_floating_point():
            IMAGE.save_visual(store, name, step, visual, data)
            return
        tokenizer = data.tokenizer if isinstance(data, TextDataset) else None
        if tokenizer is None:
            raise ValueError(f"{name}: a text visual needs a text dataset's tokenizer")
        rows = visual.images.cpu().tolist()
        highlight = getattr(visual, "highlight", None)  # a TokenVisual's, or nothing marked
        marks = [[False] * len(r) for r in rows] if highlight is None else highlight.tolist()
        texts = [tokenizer.decode_marked(row, mark) for row, mark in zip(rows, marks, strict=True)]
        empty = np.zeros((0, 1, 1, 1), dtype=np.uint8)
        store.save_snapshot(name, step, empty, visual.captions, texts=texts)

    def save_views(
        self,
        store: RunStore,
        step: int,
        views: list[Tensor],
        n_views: int,
        originals: Tensor | None = None,
    ) -> None:
        return  # a sentence's views are the sentence itself: nothing new to show


IMAGE: Modality = ImageModality()
TEXT: Modality = TextModality()
MODALITIES: dict[str, Modality] = {m.name: m for m in (IMAGE, TEXT)}


def modality_called(name: str) -> Modality:
    """The modality an objective or a run card names (a card written before it had one: image)."""
    return MODALITIES.get(name, IMAGE)


def modality_of(data: ImageDataset) -> Modality:
    """The modality of a loaded dataset (a :class:`TextDataset` is text)."""
    return TEXT if isinstance(data, TextDataset) else IMAGE


def modality_named(dataset: str) -> Modality:
    """The modality of a configured ``data.dataset`` (``stdlib_docs``, ``text:<path>``: text)."""
    return TEXT if is_text_dataset(dataset) else IMAGE
