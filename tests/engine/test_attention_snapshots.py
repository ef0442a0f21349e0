"""A run on a ViT records where its class token looks, at every monitor step; others do not.

Measured (DINO, vit_tiny 64 wide, 2 blocks, 4 heads, 16 px shapes so 16 patches, 40 steps of
32): the mean entropy of the maps falls from 2.74 nats (an even spread is log 16 = 2.77) to
2.57 (one thread or two); over seeds 1-3 the fall was 0.08, 0.14 and 0.17 nats.
"""

from __future__ import annotations

import math

import numpy as np

from dashboard.components.attention_view import columns, entropy_note
from sslcore.train import Trainer

VIT = {
    "backbone.name": "vit_tiny",
    "backbone.vit_dim": 64,
    "backbone.vit_depth": 2,
    "backbone.vit_heads": 4,
    "optim.steps": 40,
}


def test_a_dino_vit_run_saves_attention_maps_that_sharpen_with_training(
    tmp_path, tiny_config, new_store
):
    config = tiny_config("dino", **VIT)
    store = new_store(tmp_path, config)
    Trainer(config, store).run()
    assert store.snapshot_steps("attention") == [0, 10, 20, 30, 40]
    snapshot = store.load_snapshot("attention")
    assert snapshot is not None
    heads = ["image", "mean of 4 heads", "head 1", "head 2", "head 3", "head 4"]
    assert snapshot["captions"] == heads * 8  # eight probe images, a row each
    assert columns(snapshot["captions"]) == len(heads)
    images = snapshot["images"]
    assert images.shape == (8 * len(heads), 16, 16, 3) and images.dtype == np.uint8
    probe = store.load_embeddings()
    assert probe is not None
    assert (images[:: len(heads)] == probe["images"][:8]).all()  # the probe images, unblended

    entropy = {r["step"]: r["attention_entropy"] for r in store.metrics() if
               "attention_entropy" in r}  # fmt: skip
    assert sorted(entropy) == [0, 10, 20, 30, 40]
    even = math.log(16)
    assert 0.95 * even < entropy[0] <= even  # a random network's maps: nearly even
    assert entropy[40] < entropy[0] - 0.05  # trained: less spread out
    note = entropy_note(store.metrics(), 40, store.config() or {})
    assert f"{entropy[40]:.2f} nats" in note and "16 patches" in note


def test_a_convnet_run_has_no_attention_maps(tmp_path, tiny_config, new_store):
    config = tiny_config("simclr", **{"optim.steps": 10})
    store = new_store(tmp_path, config)
    Trainer(config, store).run()
    assert "attention" not in store.snapshot_names()
    assert not any("attention_entropy" in row for row in store.metrics())
