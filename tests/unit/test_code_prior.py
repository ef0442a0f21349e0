"""The VQ-VAE's code prior: causal over the grid, trained on detached codes, sampled cheaply."""

from __future__ import annotations

import torch

from sslcore.backbones import build_backbone
from sslcore.config import BackboneConfig
from sslcore.objectives.base import ImageSpec
from sslcore.objectives.code_prior import CodePrior
from sslcore.objectives.pixelcnn import PixelCNN
from sslcore.objectives.vqvae import VQVAE


def test_logits_at_a_position_depend_only_on_earlier_codes() -> None:
    torch.manual_seed(0)
    prior, size = CodePrior(codes=5, width=8, layers=2), 4
    codes = torch.randint(5, (1, size, size))
    base = prior(codes)
    for i in range(size * size):
        changed = codes.clone().view(-1)
        changed[i] = (changed[i] + 1) % 5  # change one code; only later positions may move
        moved = (prior(changed.view(1, size, size)) - base).abs().sum(1).view(-1) > 1e-6
        assert not moved[: i + 1].any(), f"position {i} or an earlier one saw code {i}"


def test_a_pass_over_the_rows_drawn_so_far_gives_the_full_passs_logits() -> None:
    # sample_raster leaves out the rows below the current one; the logits must not change.
    torch.manual_seed(0)
    net = PixelCNN(channels=3, levels=4, hidden=8, layers=3, condition_dim=5)
    q, h = torch.randint(4, (2, 3, 6, 6)), torch.randn(2, 5)
    full = net(q, h)
    for rows in range(1, 7):
        torch.testing.assert_close(net(q[:, :, :rows], h), full[..., :rows, :])
    prior, codes = CodePrior(codes=7, width=8, layers=2), torch.randint(7, (2, 4, 4))
    torch.testing.assert_close(prior(codes[:, :2]), prior(codes)[..., :2, :])


def test_the_prior_loss_reaches_neither_the_encoder_nor_the_codebook() -> None:
    torch.manual_seed(0)
    backbone = build_backbone(BackboneConfig(name="convnet", width=8), 3, 16)
    objective = VQVAE(backbone, VQVAE.Config(), ImageSpec(channels=3, size=16))
    logits: list[torch.Tensor] = []
    objective.prior.register_forward_hook(lambda module, args, out: logits.append(out))
    objective([torch.rand(4, 3, 16, 16)])  # the real training forward, the prior's logits caught
    encoder = [*objective.backbone.parameters(), *objective.to_grid.parameters()]
    grads = torch.autograd.grad(
        logits[0].sum(), [*encoder, objective.codebook], allow_unused=True, retain_graph=True
    )
    assert all(g is None for g in grads), "the prior's loss has a path into the VQ-VAE"
    (prior_grad,) = torch.autograd.grad(logits[0].sum(), [objective.prior.embed.weight])
    assert prior_grad.abs().sum() > 0
