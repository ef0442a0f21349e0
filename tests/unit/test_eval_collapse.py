"""The collapse figures tell a collapsed embedding from a healthy one."""

import math

import torch

from sslcore.eval.collapse import (
    alignment,
    collapse_report,
    rankme,
    std_of_l2_normalized,
    uniformity,
)

D = 32
HEALTHY = torch.randn(512, D, generator=torch.Generator().manual_seed(0))
POINT = torch.ones(512, D) * 3.0  # complete collapse: every image maps to the same vector
LINE = torch.randn(512, 1, generator=torch.Generator().manual_seed(1)) @ torch.randn(1, D)


def test_std_is_near_ideal_when_healthy_and_zero_when_collapsed():
    assert abs(std_of_l2_normalized(HEALTHY) - 1 / math.sqrt(D)) < 0.02
    assert std_of_l2_normalized(POINT) < 1e-6


def test_rankme_is_high_when_healthy_and_one_when_collapsed():
    assert rankme(HEALTHY) > 0.8 * D
    assert rankme(POINT) < 1.01
    assert rankme(LINE) < 1.01  # dimensional collapse to rank 1


def test_uniformity_is_zero_when_collapsed_and_negative_when_spread():
    assert abs(uniformity(POINT)) < 1e-9
    assert uniformity(HEALTHY) < -3.0


def test_alignment_of_identical_views_is_zero_and_of_opposite_views_is_four():
    assert alignment(HEALTHY, HEALTHY) < 1e-9
    assert abs(alignment(HEALTHY, -HEALTHY) - 4.0) < 1e-5


def test_report_has_every_figure():
    report = collapse_report(HEALTHY, HEALTHY + 0.1)
    assert set(report) == {"std", "std_ideal", "rankme", "rank_max", "uniformity", "alignment"}
    assert report["rank_max"] == D
