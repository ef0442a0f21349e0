"""Label subsets are class-balanced, never drop a class, and are reproducible."""

import pytest
import torch

from sslcore.eval.splits import label_subset

LABELS = torch.arange(10).repeat_interleave(100)[
    torch.randperm(1000, generator=torch.Generator().manual_seed(0))
]


@pytest.mark.parametrize(("fraction", "per_class"), [(0.01, 1), (0.1, 10), (0.35, 35), (1.0, 100)])
def test_each_class_gets_its_share(fraction, per_class):
    index = label_subset(LABELS, fraction, seed=0)
    counts = torch.bincount(LABELS[index], minlength=10)
    assert counts.tolist() == [per_class] * 10
    assert index.unique().numel() == index.numel()


def test_rare_classes_keep_at_least_one_example():
    labels = torch.tensor([0] * 500 + [1] * 3)
    index = label_subset(labels, 0.01, seed=0)
    assert torch.bincount(labels[index]).tolist() == [5, 1]


def test_same_seed_same_subset_other_seed_other_subset():
    assert torch.equal(label_subset(LABELS, 0.1, seed=3), label_subset(LABELS, 0.1, seed=3))
    assert not torch.equal(label_subset(LABELS, 0.1, seed=3), label_subset(LABELS, 0.1, seed=4))


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_fraction_outside_the_unit_interval_is_refused(fraction):
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]"):
        label_subset(LABELS, fraction, seed=0)
