"""Frozen protocols read the representation as the objective defines it (``objective.encode``).

Colorization's backbone only ever saw grey images, so ``sslcore eval`` must show it grey ones
too: its kNN accuracy is the one computed by hand from the backbone on the luminance.
"""

from __future__ import annotations

import pytest

from sslcore.checkpoint import load_backbone
from sslcore.data import load_dataset
from sslcore.eval.features import extract_features
from sslcore.eval.knn import knn_accuracy
from sslcore.eval.run_eval import evaluate_run
from sslcore.objectives.colorization import Colorization, rgb_to_yuv
from sslcore.train import Trainer


def test_colorization_is_evaluated_on_the_grey_images_it_learned_from(
    tmp_path, tiny_config, new_store
):
    config = tiny_config("colorization")
    store = new_store(tmp_path, config)
    Trainer(config, store).run()
    result = evaluate_run(store.path, "knn")

    backbone, _ = load_backbone(store.path)  # in eval mode

    def on_grey(x):
        return backbone(Colorization.grey(rgb_to_yuv(x)[0]))

    train, test = load_dataset(config.data, "train"), load_dataset(config.data, "test")
    expected = knn_accuracy(
        extract_features(on_grey, train.images),
        train.labels,
        extract_features(on_grey, test.images),
        test.labels,
        k=config.monitor.knn_k,
        temperature=config.monitor.knn_temperature,
    )
    assert result["accuracy"] == pytest.approx(expected, abs=1e-6)
