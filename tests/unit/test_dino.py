"""DINO: teacher temperature warm-up, centring, multi-crop and its size check."""

from __future__ import annotations

import pytest
import torch

from sslcore.backbones import build_backbone
from sslcore.config import BackboneConfig, ConfigError
from sslcore.objectives.base import ImageSpec
from sslcore.objectives.dino import DINO, dino_loss, local_crops

IMAGE = ImageSpec(3, 16)


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


def small_dino(**params: object) -> DINO:
    torch.manual_seed(0)
    backbone = build_backbone(BackboneConfig(name="convnet", width=8), 3, IMAGE.size)
    return DINO(backbone, DINO.Config(out_dim=64, **params), IMAGE)  # type: ignore[arg-type]


def test_teacher_temperature_warms_up_linearly() -> None:
    dino = small_dino(warmup_teacher_temperature=0.02, teacher_temperature=0.06, teacher_warmup=0.5)
    assert dino.teacher_temperature() == pytest.approx(0.02)
    dino.after_step(0.25)
    assert dino.teacher_temperature() == pytest.approx(0.04)
    dino.after_step(0.75)
    assert dino.teacher_temperature() == pytest.approx(0.06)


def test_centre_follows_the_teacher_logits() -> None:
    dino = small_dino(center_momentum=0.5)
    views = [torch.rand(4, 3, 16, 16) for _ in range(2)]
    dino(views)
    teacher = torch.cat(dino._teacher_logits)
    dino.after_step(0.1)
    torch.testing.assert_close(dino.center, 0.5 * teacher.mean(dim=0))


def test_uniform_teacher_has_entropy_log_k() -> None:
    k = 32
    teacher = [torch.zeros(4, k), torch.zeros(4, k)]
    student = [torch.randn(4, k), torch.randn(4, k)]
    _, parts = dino_loss(teacher, student, torch.zeros(k), 0.04, 0.1)
    torch.testing.assert_close(parts["teacher_entropy"], torch.tensor(float(k)).log())


def test_local_crops_are_small_crops_of_each_image() -> None:
    generator = torch.Generator().manual_seed(0)
    views = [torch.full((3, 1, 16, 16), float(i)) for i in range(3)]  # image i is all i
    for i, view in enumerate(views):
        view[i] = 10.0 + i
    crops = local_crops(views[:2], 3, 8, generator)
    assert len(crops) == 3 and crops[0].shape == (3, 1, 8, 8)
    torch.testing.assert_close(crops[0][0], torch.full((1, 8, 8), 10.0))  # image 0 of view 0
    torch.testing.assert_close(crops[1][1], torch.full((1, 8, 8), 11.0))  # image 1 of view 1


def test_multi_crop_trains_and_size_fixed_backbones_are_refused() -> None:
    dino = small_dino(local_crops=2)
    out = dino([torch.rand(4, 3, 16, 16) for _ in range(2)])
    out.loss.backward()
    assert torch.isfinite(out.loss)
    vit = build_backbone(
        BackboneConfig(name="vit_tiny", vit_depth=1, vit_dim=32, vit_heads=2), 3, IMAGE.size
    )
    with pytest.raises(ConfigError, match="local_crops"):
        DINO(vit, DINO.Config(local_crops=2), IMAGE)
