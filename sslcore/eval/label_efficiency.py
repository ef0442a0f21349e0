"""The label-efficiency curve: accuracy against the share of labels, four ways.

For each label fraction (1%, 10%, 100% by default; the same class-balanced, seeded subset for
every method) it measures

- ``ssl_linear``: a linear probe on the frozen pretrained features,
- ``ssl_finetune``: the pretrained backbone fine-tuned with a linear head,
- ``supervised``: the same backbone trained from a fresh initialisation (same steps),
- ``random_linear``: a linear probe on a random, untrained network: the floor that shows how
  much the architecture alone gives away.

SSL pays off where its curves lie above ``supervised`` at few labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from sslcore.backbones import Backbone
from sslcore.data.dataset import ImageDataset
from sslcore.eval.features import extract_features
from sslcore.eval.finetune import FinetuneSettings, finetune
from sslcore.eval.linear_probe import linear_probe
from sslcore.eval.splits import label_subset

DEFAULT_FRACTIONS = (0.01, 0.1, 1.0)


def label_efficiency(
    pretrained: Backbone,
    fresh_backbone: Callable[[], Backbone],
    train: ImageDataset,
    test: ImageDataset,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    settings: FinetuneSettings | None = None,
    device: torch.device | str = "cpu",
) -> list[dict[str, Any]]:
    """Accuracy of the four methods at each label fraction.

    Args:
        pretrained: the self-supervised backbone.
        fresh_backbone: builds an untrained backbone of the same kind (seed it for
            reproducibility); called once for the random network and once per fraction.
        train: labelled training split.
        test: labelled held-out split.
        fractions: label fractions in (0, 1].
        settings: fine-tuning budget, shared by ``ssl_finetune`` and ``supervised``; its seed
            also draws the label subsets.
        device: where to compute.

    Returns:
        One row per fraction: ``fraction``, ``n_labels``, ``ssl_linear``, ``ssl_finetune``,
        ``supervised``, ``random_linear`` (accuracies in [0, 1]).
    """
    if train.labels is None or test.labels is None:
        raise ValueError(f"dataset {train.name!r} has no labels: label efficiency needs them")
    settings = settings or FinetuneSettings()
    num_classes = max(len(train.classes), int(train.labels.max()) + 1)
    ssl_train = extract_features(pretrained, train.images, device)
    ssl_test = extract_features(pretrained, test.images, device)
    random_network = fresh_backbone().to(device)
    random_train = extract_features(random_network, train.images, device)
    random_test = extract_features(random_network, test.images, device)
    test_labels = test.labels
    rows = []
    for fraction in fractions:
        index = label_subset(train.labels, fraction, settings.seed)
        labels, images = train.labels[index], train.images[index]
        accuracy = {
            "ssl_linear": linear_probe(
                ssl_train[index], labels, ssl_test, test_labels, num_classes
            ).accuracy,
            "ssl_finetune": finetune(
                pretrained, images, labels, test.images, test_labels, num_classes, settings, device
            ).accuracy,
            "supervised": finetune(
                fresh_backbone(),
                images,
                labels,
                test.images,
                test_labels,
                num_classes,
                settings,
                device,
            ).accuracy,
            "random_linear": linear_probe(
                random_train[index], labels, random_test, test_labels, num_classes
            ).accuracy,
        }
        rows.append({"fraction": float(fraction), "n_labels": int(index.numel())} | accuracy)
    return rows
