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
from sslcore.data.modality import SHOWN_IMAGES, modality_of
from sslcore.data.stl10_unlabeled import labelled_part
from sslcore.eval.collapse import alignment, rankme, std_of_l2_normalized
from sslcore.eval.features import extract_features
from sslcore.eval.knn import knn_accuracy
from sslcore.eval.perplexity import LANGUAGE_MODELS, held_out_perplexity
from sslcore.objectives import Objective
from sslcore.store import RunStore
from sslcore.train.attention import attention_entropy, attention_visual

BANK_SIZE = 2000
ALIGNMENT_IMAGES = 256  # of the batch, whose first two views are compared


def collapse_std(embedding: Tensor) -> float:
    """Std of the l2-normalised embedding of a batch (~0 when collapsed)."""
    return std_of_l2_normalized(embedding.detach().float())


class Monitor:
    """Probe-set embeddings, kNN accuracy, collapse figures and snapshots during training.

    Text runs (a :class:`~sslcore.data.text_dataset.TextDataset`, token ids in ``images``) get
    the same figures; what differs is the run's :class:`~sslcore.data.modality.Modality`'s: how
    inputs are encoded, what a snapshot is (texts decoded with the dataset's tokenizer instead of
    pictures) and whether views are compared and saved (a sentence's views are itself).
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
        self.modality = modality_of(train)

    def save_probe_images(self, store: RunStore) -> None:
        """The probe images (or documents), once per run (embeddings refer to them by id)."""
        self.modality.save_probe(store, self.probe, self.probe_ids.numpy())

    def _features(self, objective: Objective, images: Tensor) -> Tensor:
        with self.autocast():
            encode = objective.encode
            return extract_features(encode, images, self.device, modality=self.modality).float()

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
        if views is not None and len(views) >= 2 and self.modality.has_views:
            figures["alignment"] = self._alignment(objective, views)
        if objective.name in LANGUAGE_MODELS:
            figures["perplexity"] = held_out_perplexity(
                objective, self.probe.images, self.device, autocast=self.autocast
            )
        for name, values in self.probe.factors.items():
            arrays[f"factor_{name}"] = values.numpy()
        store.save_embeddings(step, arrays)
        if views is not None:
            self.modality.save_views(store, step, views, n_views, originals)
        objective.eval()
        sample = self.modality.encoder_input(self.probe.images[:SHOWN_IMAGES], self.device)
        with self.autocast():
            visuals = objective.visuals(sample)
            if isinstance(objective.backbone, VisionTransformer):
                maps = objective.backbone.attention_maps(sample).float()  # (n, heads, g, g)
                visuals["attention"] = attention_visual(sample, maps)
                figures["attention_entropy"] = attention_entropy(maps)
        objective.train()
        for name, visual in visuals.items():
            self.modality.save_visual(store, name, step, visual, self.probe)
        return figures
