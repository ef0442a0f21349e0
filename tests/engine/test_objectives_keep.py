"""What the methods that do not yet beat a random network on shape learn instead.

``tests/test_objectives_learn.py`` lists the objectives whose shape kNN does not rise above the
random network within the CI budget. They still learn, and this file shows what: each test
trains one of them briefly (150 steps, width 16, batch 128) and reads the recorded factors of
``shapes`` off its representation with linear probes (:mod:`sslcore.eval.probes`), beside the
same probes on the random network it started from (same architecture, same seed).

- The pixel methods must redraw (or colour) the shape where it is: the error of the position
  probes, 1 − R², must fall to at most 60% of the random network's.
- The distillation methods match two views of one image. The hue of each view is turned at
  random, so a representation that matches views must forget it (its R² falls); the dark
  background fills most of both crops, so it is the easiest thing they share and its probe's
  error must fall to at most 60% of the random network's. That they keep the background and
  drop the hue, yet lose shape, is the measured reason they trail the random network on shape
  kNN at this budget (BENCHMARKS.md).

Measured here (R², random network → trained): autoencoder x 0.915 → 0.979, y 0.914 → 0.976;
VQ-VAE x 0.915 → 0.983, y 0.914 → 0.986; colorization (grey input) x 0.830 → 0.939,
y 0.817 → 0.928; BYOL background 0.953 → 0.980, hue 0.935 → 0.829;
SimSiam background 0.953 → 0.982, hue 0.935 → 0.616; DINO background 0.953 → 0.987, hue
0.935 → 0.841.
"""

from __future__ import annotations

import hashlib

import pytest
from engine_helpers import new_store
from test_objectives_learn import BUDGET, MOVING_TARGET, NOT_YET_LEARNING

from sslcore.config import RunConfig, replace
from sslcore.data import load_dataset
from sslcore.eval.probes import factor_probes
from sslcore.eval.run_eval import evaluate_run
from sslcore.eval.text_features import extract_any_features
from sslcore.objectives.base import ImageSpec
from sslcore.recipes import recipe_config
from sslcore.train import Trainer
from sslcore.train.build import build_objective

STEPS = 150
KEEPS = {
    "autoencoder": ("x", "y"),
    "vqvae": ("x", "y"),
    "colorization": ("x", "y"),
    "byol": ("background",),
    "simsiam": ("background",),
    "dino": ("background",),
}
DROPS = {"byol": "hue", "simsiam": "hue", "dino": "hue"}
ERROR_SHARE = 0.6  # a kept factor's probe error, 1 − R², at most this share of the random one's
HUE_DROP = 0.05  # a dropped factor's R² falls at least this much
# Not covered here, and why.
NOT_COVERED = {
    # At 60 steps (56 s and 122 s here) neither has moved a factor probe past the random
    # network (MAE: x 0.857 -> 0.767; PixelCNN: x 0.915 -> 0.790, background 0.953 -> 0.977);
    # their steps cost 5-10x a convnet step, so a budget where they would is minutes each.
    "mae": "no factor probe rises within a CI budget (ViT steps are 5x a convnet's)",
    "autoregressive": "no factor probe but the background rises within a CI budget",
}


_RANDOM_SCORES: dict[str, dict[str, float]] = {}  # by the data and the features' digest


def random_network_scores(config: RunConfig) -> dict[str, float]:
    """Factor probe scores of the untrained network the run starts from (same seed), read
    through ``objective.encode`` as ``sslcore eval`` reads the trained one.

    Most of these methods start from the same convnet; the probes are fitted once per distinct
    set of features (the same features always give the same probes)."""
    train, test = load_dataset(config.data, "train"), load_dataset(config.data, "test")
    encode = build_objective(config, ImageSpec(train.channels, train.size)).encode
    train_features = extract_any_features(encode, train.images)
    test_features = extract_any_features(encode, test.images)
    features = train_features.numpy().tobytes() + test_features.numpy().tobytes()
    key = repr(config.data) + hashlib.sha256(features).hexdigest()
    if key not in _RANDOM_SCORES:
        scores = factor_probes(train_features, train, test_features, test)
        _RANDOM_SCORES[key] = {score.factor: score.score for score in scores}
    return _RANDOM_SCORES[key]


def test_every_method_behind_the_random_network_is_covered_or_says_why():
    assert set(KEEPS) | set(NOT_COVERED) == set(NOT_YET_LEARNING)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(KEEPS))
def test_what_the_representation_keeps_and_drops(tmp_path, name):
    steps = {"optim.steps": STEPS, "monitor.eval_every": STEPS, "monitor.checkpoint_every": STEPS}
    config = replace(recipe_config(name), **{**BUDGET, **steps})
    store = new_store(tmp_path, config)
    summary = Trainer(config, store).run()
    assert summary["state"] == "finished", summary
    if name not in MOVING_TARGET:
        assert summary["final_loss"] < summary["first_loss"]
    trained = {row["factor"]: row["score"] for row in evaluate_run(store.path, "probes")["factors"]}
    random = random_network_scores(config)
    for factor in KEEPS[name]:
        assert 1 - trained[factor] <= ERROR_SHARE * (1 - random[factor]), (
            f"{name} should keep {factor}: R² {random[factor]:.3f} (random) -> "
            f"{trained[factor]:.3f}"
        )
    if name in DROPS:
        factor = DROPS[name]
        assert trained[factor] < random[factor] - HUE_DROP, (
            f"{name} should drop {factor}: R² {random[factor]:.3f} (random) -> "
            f"{trained[factor]:.3f}"
        )
