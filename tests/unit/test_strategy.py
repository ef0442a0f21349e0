"""One process or several, hidden behind one object: the trainer's strategy and the losses' ranks.

The single-process strategy must be the identity (so a laptop run is untouched by the
multi-process machinery), the objectives must hand their ranks to the losses that need the
global batch, and no module of the loop or of the objectives may call torch.distributed (or
:mod:`sslcore.distributed`) itself: the strategy is the one place that does.
(tests/engine/test_distributed.py runs :class:`DataParallel` on two gloo processes.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch
from torch import Tensor

from sslcore.config import replace
from sslcore.objectives.base import ImageSpec, Objective
from sslcore.recipes import recipe_config
from sslcore.train.build import build_objective
from sslcore.train.strategy import SingleProcess, for_this_process

ROOT = Path(__file__).resolve().parents[2]
STRATEGY = ROOT / "sslcore" / "train" / "strategy.py"


def small_objective(name: str) -> Objective:
    """The objective ``name`` of its recipe on a convnet of width 8, for 16-pixel images."""
    config = replace(recipe_config(name), **{"backbone.width": 8})
    return build_objective(config, ImageSpec(3, 16))


def test_the_single_process_strategy_is_the_identity() -> None:
    strategy = for_this_process()  # no process group in this test process
    assert isinstance(strategy, SingleProcess)
    assert (strategy.world_size, strategy.rank, strategy.is_main) == (1, 0, True)
    cpu = torch.device("cpu")
    assert strategy.device(cpu) is cpu
    assert strategy.rank_seed(42) == 42
    indices, z = torch.arange(6), torch.randn(4, 3, requires_grad=True)
    assert strategy.local_slice(indices) is indices
    assert strategy.gather_with_grad(z) is z and strategy.mean_over_ranks(z) is z
    assert strategy.all_true(False, cpu) is False and strategy.all_true(True, cpu) is True
    box = {"lr": 0.1}
    assert strategy.from_main(box) is box and strategy.gather_objects(box) == [box]
    objective = small_objective("simclr")
    assert strategy.parallelize(objective, cpu, sync_batchnorm=False) is objective
    assert objective.ranks is strategy


class CountingRanks:
    """One process (identity collectives) that counts the calls made through it."""

    rank = 0

    def __init__(self) -> None:
        self.calls: list[str] = []

    def gather_with_grad(self, tensor: Tensor) -> Tensor:
        self.calls.append("gather_with_grad")
        return tensor

    def mean_over_ranks(self, tensor: Tensor) -> Tensor:
        self.calls.append("mean_over_ranks")
        return tensor


@pytest.mark.parametrize(
    ("name", "collective"),
    [
        ("simclr", "gather_with_grad"),  # the negatives
        ("barlow_twins", "gather_with_grad"),  # the cross-correlation
        ("vicreg", "gather_with_grad"),  # the variances and covariances
        ("nnclr", "gather_with_grad"),  # the negatives and the support set
        ("moco", "gather_with_grad"),  # the keys queued
        ("dino", "mean_over_ranks"),  # the centre
    ],
)
def test_objectives_see_the_global_batch_through_their_ranks(name: str, collective: str) -> None:
    objective = small_objective(name)
    ranks = CountingRanks()
    objective.ranks = ranks
    views = [torch.rand(4, 3, 16, 16) for _ in range(objective.n_views)]
    objective(views)
    objective.after_step(0.5)
    assert collective in ranks.calls


def distributed_references(path: Path) -> list[str]:
    """``line: code`` of each import of, or attribute reached through, a ``distributed``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Attribute):
            value = node.value
            owner = value.id if isinstance(value, ast.Name) else getattr(value, "attr", "")
            names = [f"{owner}.{node.attr}"]
        if any("distributed" in name.split(".") for name in names):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_loop_and_the_losses_never_call_distributed_themselves() -> None:
    modules = sorted((ROOT / "sslcore" / "objectives").rglob("*.py"))
    modules += sorted((ROOT / "sslcore" / "train").rglob("*.py"))
    assert STRATEGY in modules and len(modules) > 30
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in modules
        if path != STRATEGY and (found := distributed_references(path))
    }
    assert offenders == {}, "use the run's strategy (or the objective's ranks) instead"
    assert distributed_references(STRATEGY)  # the walk does find them where they are
