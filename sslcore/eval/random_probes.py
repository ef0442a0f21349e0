"""The factor probes of a random network: what a backbone keeps before it has learned anything.

A probe score means little alone: an untrained convolutional network already passes colour,
position and size through its random filters, so "the colour probe reads 0.89" is only news
against what the same architecture reads with random weights. This module scores the same
probes (:func:`sslcore.eval.probes.factor_probes`, same splits) on an untrained backbone of the
run's kind, seeded by the run's seed.

The answer depends only on the backbone's settings, the seed and the data, so it is computed
once per process for each of them and kept (runs that differ in their objective or augmentations,
like a lesson's pair, share it).
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict

import torch

from sslcore.backbones import build_backbone
from sslcore.config import BackboneConfig
from sslcore.data.dataset import ImageDataset
from sslcore.eval.features import extract_features
from sslcore.eval.probes import FactorScore, factor_probes

_CACHE: dict[tuple, list[FactorScore]] = {}
_LOCK = threading.Lock()  # two evaluation threads must not compute the same baseline twice


def random_network_probes(
    backbone: BackboneConfig,
    seed: int,
    train: ImageDataset,
    test: ImageDataset,
    device: torch.device | str = "cpu",
) -> list[FactorScore]:
    """Factor probes of an untrained ``backbone`` (weights drawn with ``seed``) on the splits.

    Args:
        backbone: the run's backbone settings (its ``init_from`` is ignored: the weights are
            random).
        seed: the run's seed, so the baseline is the network the run started from.
        train: the split the probes are fitted on.
        test: the split they are scored on.
        device: where the backbone runs.
    """
    key = (json.dumps(asdict(backbone), sort_keys=True, default=str), seed, train.name,
           len(train), len(test), train.channels, train.size)  # fmt: skip
    with _LOCK:
        if key not in _CACHE:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                network = build_backbone(backbone, train.channels, train.size).to(device)
            train_features = extract_features(network, train.images, device)
            test_features = extract_features(network, test.images, device)
            _CACHE[key] = factor_probes(train_features, train, test_features, test)
        return list(_CACHE[key])
