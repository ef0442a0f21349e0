"""SimSiam's two collapse switches change exactly what the paper says they change."""

from __future__ import annotations

import torch
from torch import nn

from sslcore.backbones import build_backbone
from sslcore.config import BackboneConfig
from sslcore.objectives.base import ImageSpec
from sslcore.objectives.simsiam import SimSiam, simsiam_loss


def test_stop_gradient_blocks_the_target_branch() -> None:
    p1, p2, z1, z2 = (torch.randn(4, 8, requires_grad=True) for _ in range(4))
    simsiam_loss(p1, p2, z1, z2, stop_gradient=True)[0].backward()
    assert z1.grad is None and z2.grad is None and p1.grad is not None
    simsiam_loss(p1, p2, z1, z2, stop_gradient=False)[0].backward()
    assert z1.grad is not None and z2.grad is not None


def test_loss_is_minus_one_when_predictions_match() -> None:
    z = torch.randn(4, 8)
    loss, parts = simsiam_loss(z, 3 * z, z, z)
    torch.testing.assert_close(loss, torch.tensor(-1.0))
    torch.testing.assert_close(parts["cosine"], torch.tensor(1.0))


def test_predictor_switch_removes_the_predictor() -> None:
    torch.set_num_threads(1)
    backbone = build_backbone(BackboneConfig(name="convnet", width=8), 3, 16)
    without = SimSiam(backbone, SimSiam.Config(predictor=False), ImageSpec(3, 16))
    assert isinstance(without.predictor, nn.Identity)
    with_predictor = SimSiam(backbone, SimSiam.Config(), ImageSpec(3, 16))
    assert sum(p.numel() for p in with_predictor.predictor.parameters()) > 0
