"""The random network's factor probes: the baseline a trained run's probes are read against."""

from __future__ import annotations

import dataclasses

from sslcore.config import RunConfig, replace
from sslcore.data import load_dataset
from sslcore.eval import random_probes
from sslcore.eval.random_probes import random_network_probes

SMALL = {"data.image_size": 16, "data.train_size": 512, "data.test_size": 256,
         "backbone.width": 8}  # fmt: skip


def test_an_untrained_network_already_reads_colour_and_is_computed_once() -> None:
    config = replace(RunConfig(), **SMALL)
    train, test = load_dataset(config.data, "train"), load_dataset(config.data, "test")
    random_probes._CACHE.clear()
    scores = random_network_probes(config.backbone, config.seed, train, test)
    by_factor = {s.factor: s for s in scores}
    assert set(by_factor) == set(train.factor_kinds)
    colour = by_factor["colour"]
    assert colour.score > colour.chance + 0.2, "random filters pass colour through"
    no_jitter = replace(config, **{"augment.color_jitter_prob": 0.0})  # same backbone and data
    again = random_network_probes(no_jitter.backbone, no_jitter.seed, train, test)
    assert [dataclasses.asdict(s) for s in again] == [dataclasses.asdict(s) for s in scores]
    assert len(random_probes._CACHE) == 1
