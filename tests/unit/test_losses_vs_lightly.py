"""Our loss functions equal lightly's (1.6) on the same inputs, to 1e-5.

lightly is a well-used reference implementation; where its conventions differ from the papers
the loss docstrings say so, and we follow lightly.
"""

from __future__ import annotations

import pytest
import torch

from sslcore.objectives.barlow_twins import barlow_twins_loss
from sslcore.objectives.byol import byol_loss
from sslcore.objectives.dino import dino_loss, updated_center
from sslcore.objectives.moco import moco_loss
from sslcore.objectives.nnclr import nnclr_loss
from sslcore.objectives.simclr import nt_xent_loss
from sslcore.objectives.simsiam import simsiam_loss
from sslcore.objectives.vicreg import vicreg_loss

loss_module = pytest.importorskip("lightly.loss")

BATCH, DIM = 16, 32


def pair(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    z1 = torch.randn(BATCH, DIM, generator=generator)
    return z1, z1 + 0.5 * torch.randn(BATCH, DIM, generator=generator)


def close(ours: torch.Tensor, theirs: torch.Tensor) -> None:
    torch.testing.assert_close(ours, theirs.to(ours.dtype), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("temperature", [0.1, 0.5])
def test_nt_xent_equals_lightly(temperature: float) -> None:
    z1, z2 = pair()
    ours, _ = nt_xent_loss(z1, z2, temperature)
    close(ours, loss_module.NTXentLoss(temperature=temperature)(z1, z2))


def test_moco_queue_loss_equals_lightly_memory_bank() -> None:
    z1, z2 = pair(1)
    z1.requires_grad_(True)  # lightly only updates its bank when the query needs a gradient
    theirs_fn = loss_module.NTXentLoss(temperature=0.2, memory_bank_size=(64, DIM))
    for step in range(3):  # the bank fills across calls; compare at every step
        queue = theirs_fn.memory_bank.bank.clone()
        ours, _ = moco_loss(z1 + step, z2 - step, queue, 0.2)
        close(ours, theirs_fn(z1 + step, z2 - step))


def test_nnclr_equals_lightly_recipe() -> None:
    z1, z2 = pair(2)
    p1, p2 = pair(3)
    ours, _ = nnclr_loss(z1, z2, p1, p2, 0.3)
    theirs_fn = loss_module.NTXentLoss(temperature=0.3)
    close(ours, 0.5 * (theirs_fn(z1, p2) + theirs_fn(z2, p1)))


def test_byol_and_simsiam_equal_negative_cosine_similarity() -> None:
    p1, p2 = pair(4)
    z1, z2 = pair(5)
    negative_cosine = loss_module.NegativeCosineSimilarity()
    symmetric = 0.5 * (negative_cosine(p1, z2) + negative_cosine(p2, z1))
    close(simsiam_loss(p1, p2, z1, z2)[0], symmetric)
    close(byol_loss(p1, p2, z1, z2)[0], 2 + 2 * symmetric)


@pytest.mark.parametrize("redundancy_weight", [5e-3, 0.05])
def test_barlow_twins_equals_lightly(redundancy_weight: float) -> None:
    z1, z2 = pair(6)
    ours, parts = barlow_twins_loss(z1, z2, redundancy_weight)
    close(ours, loss_module.BarlowTwinsLoss(lambda_param=redundancy_weight)(z1, z2))
    close(ours, parts["on_diagonal"] + redundancy_weight * parts["off_diagonal"])


def test_vicreg_equals_lightly() -> None:
    z1, z2 = pair(7)
    ours, parts = vicreg_loss(z1, z2, 20.0, 30.0, 2.0)
    theirs = loss_module.VICRegLoss(lambda_param=20.0, mu_param=30.0, nu_param=2.0)(z1, z2)
    close(ours, theirs)
    recomposed = 20.0 * parts["invariance"] + 30.0 * parts["variance"] + 2.0 * parts["covariance"]
    close(ours, recomposed)


@pytest.mark.parametrize("n_local", [0, 2])
def test_dino_loss_and_centre_equal_lightly(n_local: int) -> None:
    generator = torch.Generator().manual_seed(8)
    teacher = [torch.randn(BATCH, DIM, generator=generator) for _ in range(2)]
    student = [torch.randn(BATCH, DIM, generator=generator) for _ in range(2 + n_local)]
    theirs_fn = loss_module.DINOLoss(output_dim=DIM, center_momentum=0.8)
    theirs_fn.center.copy_(0.1 * torch.randn(1, 1, DIM, generator=generator))
    center = theirs_fn.center.flatten().clone()
    ours, parts = dino_loss(teacher, student, center, 0.05, 0.1)
    theirs_fn.student_temp = 0.1
    close(ours, theirs_fn(teacher, student, teacher_temp=0.05))
    close(updated_center(center, teacher, 0.8), theirs_fn.center.flatten())
    close(ours, parts["teacher_entropy"] + parts["kl"])
    assert parts["kl"] >= 0
