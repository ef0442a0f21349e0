"""Factor probes recover the factors planted in the features and not the others."""

import math

import torch

from sslcore.data.dataset import ImageDataset
from sslcore.eval.probes import ROTATIONAL_SYMMETRY, factor_probes

SHAPES = list(ROTATIONAL_SYMMETRY)
KINDS = {"shape": "categorical", "colour": "categorical", "x": "continuous",
         "size": "continuous", "angle": "continuous"}  # fmt: skip


def split(n: int, seed: int) -> tuple[torch.Tensor, ImageDataset]:
    """Features that encode shape, x and the visible angle linearly, and nothing of colour/size."""
    g = torch.Generator().manual_seed(seed)
    factors = {
        "shape": torch.randint(0, len(SHAPES), (n,), generator=g),
        "colour": torch.randint(0, 6, (n,), generator=g),
        "x": torch.rand(n, generator=g),
        "size": torch.rand(n, generator=g),
        "angle": 360 * torch.rand(n, generator=g),
    }
    order = torch.tensor([ROTATIONAL_SYMMETRY[s] for s in SHAPES])[factors["shape"]]
    phase = 2 * math.pi * order * factors["angle"] / 360
    planted = torch.cat(
        [
            torch.nn.functional.one_hot(factors["shape"], len(SHAPES)).float() * 3,
            factors["x"][:, None],
            phase.cos()[:, None],
            phase.sin()[:, None],
        ],
        dim=1,
    )
    features = planted + 0.05 * torch.randn(planted.shape, generator=g)
    features = torch.cat([features, torch.randn(n, 8, generator=g)], dim=1)  # distractors
    dataset = ImageDataset(
        name="toy",
        images=torch.zeros(n, 1, 1, 1, dtype=torch.uint8),
        factors=factors,
        factor_kinds=KINDS,
        factor_classes={"shape": SHAPES, "colour": [str(i) for i in range(6)]},
    )
    return features, dataset


def test_planted_factors_are_recovered_and_absent_ones_are_not():
    train_x, train = split(600, seed=0)
    test_x, test = split(300, seed=1)
    scores = {s.factor: s for s in factor_probes(train_x, train, test_x, test)}
    assert list(scores) == list(KINDS)
    assert scores["shape"].metric == "accuracy" and scores["shape"].score > 0.97
    assert scores["colour"].score < scores["colour"].chance + 0.12
    assert scores["x"].metric == "r2" and scores["x"].score > 0.9
    assert scores["angle"].score > 0.9  # modulo each shape's symmetry
    assert scores["size"].score < 0.1
