"""The live monitor: what the trainer records every ``monitor.eval_every`` steps.

It embeds a fixed probe set of held-out images (the same images at every step, so a map can
be replayed), scores a weighted kNN classifier against a labelled bank of training images (for a
pretraining set without labels, STL-10's unlabelled images, a bank of its labelled ones),
computes collapse figures (RankMe and the spread of the probe features; the alignment of two
views of the training batch's images), and saves snapshots of the views and the objective's
visuals; for a ViT, also where its class token looks (:mod:`sslcore.train.attention`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import torch
from torch import Tensor

from sslcore.backbones.vit import VisionTransformer
from sslcore.config import MonitorConfig
from sslcore.data import ImageDataset
from sslcore.data.stl10_unlabeled import labelled_part
from sslcore.eval.collapse import alignment, rankme, std_of_l2_normalized
from sslcore.eval.knn import knn_accuracy
from sslcore.eval.perplexity import LANGUAGE_MODELS, held_out_perplexity
from sslcore.eval.text_features import extract_any_features
from sslcore.objectives import Objective
from sslcore.objectives.text_parts import TokenVisual
from sslcore.store import RunStore
from sslcore.train.attention import attention_entropy, attention_visual

BANK_SIZE = 2000
ALIGNMENT_IMAGES = 256  # of the batch, whose first two views are compared
SHOWN_IMAGES = 8


def to_uint8_hwc(images: Tensor) -> np.ndarray:
    """(N, C, H, W) floats in [0, 1] (or uint8) -> (N, H, W, C) uint8 for snapshots."""
    if images.dtype != torch.uint8:
        images = (images.detach().float().clamp(0, 1) * 255).round().to(torch.uint8)
    return images.cpu().permute(0, 2, 3, 1).contiguous().numpy()


def collapse_std(embedding: Tensor) -> float:
    """Std of the l2-normalised embedding of a batch (~0 when collapsed)."""
    return std_of_l2_normalized(embedding.detach().float())


class Monitor:
    """Probe-set embeddings, kNN accuracy, collapse figures and snapshots during training.

    Text runs (a :class:`~sslcore.data.text_dataset.TextDataset`, token ids in ``images``) get
    the same figures; their snapshots are texts (decoded with the dataset's tokenizer) instead
    of pictures, and no views are saved (a sentence's views are itself).
    """

    def __init__(
        self,
        train: ImageDataset,
        test: ImageDataset,
        config: MonitorConfig,
        device: torch.device,
        autocast: Callable[[], AbstractContextManager],
    ) -> None:
        self.config = config
        self.device = device
        self.autocast = autocast
        self.probe_ids = test.probe_indices(config.probe_size, seed=0)
        self.probe = test.subset(self.probe_ids)
        labelled = labelled_part(train)  # STL-10's unlabelled images: its labelled ones
        self.bank = labelled.subset(labelled.probe_indices(BANK_SIZE, seed=1))
        self.num_classes = max(len(labelled.classes), 1)
        self.tokenizer = getattr(train, "tokenizer", None)  # text runs only

    def save_probe_images(self, store: RunStore) -> None:
        """The probe images (or documents), once per run (embeddings refer to them by id)."""
        if self.tokenizer is not None:
            empty = np.zeros((0, 1, 1, 1), dtype=np.uint8)
            texts = getattr(self.probe, "texts", None)
            store.save_probe_images(empty, self.probe_ids.numpy(), texts)
            return
        store.save_probe_images(to_uint8_hwc(self.probe.images), self.probe_ids.numpy())

    def _features(self, objective: Objective, images: Tensor) -> Tensor:
        with self.autocast():
            return extract_any_features(objective.encode, images, self.device).float()

    def _alignment(self, objective: Objective, views: list[Tensor]) -> float:
        """Alignment (Wang & Isola 2020) of the representations of two views of the batch's
        first images: E‖h₁/‖h₁‖ − h₂/‖h₂‖‖², 0 when the augmentations change nothing in it."""
        first, second = (v[:ALIGNMENT_IMAGES] for v in views[:2])
        return alignment(self._features(objective, first), self._features(objective, second))

    @torch.no_grad()
    def record(
        self,
        store: RunStore,
        objective: Objective,
        step: int,
        views: list[Tensor] | None,
        n_views: int,
        originals: Tensor | None = None,
    ) -> dict[str, Any]:
        """Embed, score and snapshot; return the figures for the metrics line.

        ``originals`` (uint8 (B, C, H, W)) are the batch's images before augmentation: the
        first few are saved beside their views, so a viewer can show where the views came from.
        """
        features = self._features(objective, self.probe.images)
        figures: dict[str, Any] = {
            "rankme": rankme(features),
            "feature_std": std_of_l2_normalized(features),
        }
        arrays: dict[str, np.ndarray] = {
            "features": features.numpy(),
            "ids": self.probe_ids.numpy(),
        }
        if self.probe.labels is not None and self.bank.labels is not None:
            bank = self._features(objective, self.bank.images)
            figures["knn_accuracy"] = knn_accuracy(
                bank,
                self.bank.labels,
                features,
                self.probe.labels,
                self.num_classes,
                k=self.config.knn_k,
                temperature=self.config.knn_temperature,
            )
            arrays["labels"] = self.probe.labels.numpy()
        if views is not None and len(views) >= 2 and self.tokenizer is None:
            figures["alignment"] = self._alignment(objective, views)
        if objective.name in LANGUAGE_MODELS:
            figures["perplexity"] = held_out_perplexity(
                objective, self.probe.images, self.device, autocast=self.autocast
            )
        for name, values in self.probe.factors.items():
            arrays[f"factor_{name}"] = values.numpy()
        store.save_embeddings(step, arrays)
        if views is not None:
            self.save_views(store, step, views, n_views, originals)
        objective.eval()
        sample = self.probe.images[:SHOWN_IMAGES].to(self.device)
        if self.tokenizer is None:
            sample = sample.float() / 255
        with self.autocast():
            visuals = objective.visuals(sample)
            if isinstance(objective.backbone, VisionTransformer) and self.tokenizer is None:
                maps = objective.backbone.attention_maps(sample).float()  # (n, heads, g, g)
                visuals["attention"] = attention_visual(sample, maps)
                figures["attention_entropy"] = attention_entropy(maps)
        objective.train()
        for name, visual in visuals.items():
            if isinstance(visual, TokenVisual):
                self._save_texts(store, name, step, visual)
            else:
                store.save_snapshot(name, step, to_uint8_hwc(visual.images), visual.captions)
        return figures

    def save_views(
        self,
        store: RunStore,
        step: int,
        views: list[Tensor],
        n_views: int,
        originals: Tensor | None = None,
    ) -> None:
        """Snapshot the first images' views at ``step`` (and, given ``originals``, the images
        they were drawn from); nothing for text, whose views are the sentences themselves."""
        if self.tokenizer is not None:
            return
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

    def _save_texts(self, store: RunStore, name: str, step: int, visual: TokenVisual) -> None:
        """Decode a text visual with the run's tokenizer, highlighted tokens ``⟦marked⟧``."""
        if self.tokenizer is None:
            raise ValueError(f"{name}: a text visual needs a text dataset's tokenizer")
        ids = visual.images.cpu().tolist()
        marks = visual.highlight.cpu().tolist() if visual.highlight is not None else None
        texts = [
            self.tokenizer.decode_marked(row, marks[i] if marks else [False] * len(row))
            for i, row in enumerate(ids)
        ]
        empty = np.zeros((0, 1, 1, 1), dtype=np.uint8)
        store.save_snapshot(name, step, empty, visual.captions, texts=texts)
