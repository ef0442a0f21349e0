"""VQ-VAE: nearest-code lookup, straight-through gradients, perplexity bounds, dead-code reset."""

from __future__ import annotations

import torch

from sslcore.objectives.vqvae import VQVAE, codebook_perplexity, quantize, straight_through


def test_quantize_picks_the_nearest_entry() -> None:
    codebook = torch.tensor([[0.0, 0.0], [1.0, 1.0], [-2.0, 0.0]])
    z = torch.tensor([[0.9, 1.2], [-1.5, 0.1], [0.1, -0.1]])
    z_q, codes = quantize(z, codebook)
    assert codes.tolist() == [1, 2, 0]
    assert torch.equal(z_q, codebook[codes])


def test_straight_through_passes_gradients_to_the_encoder() -> None:
    z_e = torch.randn(4, 2, requires_grad=True)
    z_q, _ = quantize(z_e.detach(), torch.randn(3, 2))
    out = straight_through(z_e, z_q)
    # z_e + (z_q - z_e): the value of z_q up to one rounding step.
    assert torch.allclose(out, z_q, atol=1e-6)
    out.mul(torch.arange(8.0).view(4, 2)).sum().backward()
    assert torch.equal(z_e.grad, torch.arange(8.0).view(4, 2))


def test_reconstruction_gradient_reaches_the_backbone_through_the_quantiser(
    build, shapes_batch
) -> None:
    # With β = 0 the commitment term is silent and the codebook term reaches only the codebook,
    # so any gradient on the backbone came straight through the argmin from the decoder.
    objective = build(VQVAE, beta=0.0)
    objective([shapes_batch(4)]).loss.backward()
    grads = [p.grad for p in objective.backbone.parameters()]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)


def test_perplexity_is_bounded_by_the_codebook_size(build, shapes_batch) -> None:
    perplexity, usage = codebook_perplexity(torch.arange(8).repeat(3), size=16)
    assert abs(float(perplexity) - 8.0) < 1e-4 and float(usage) == 0.5
    one, _ = codebook_perplexity(torch.zeros(10, dtype=torch.long), size=16)
    assert abs(float(one) - 1.0) < 1e-6
    out = build(VQVAE, codebook_size=16)([shapes_batch(8)])
    assert 1.0 <= float(out.components["perplexity"]) <= 16.0


def test_dead_codes_are_moved_onto_encoder_outputs(build, shapes_batch) -> None:
    objective = build(VQVAE, codebook_size=64, reset_dead_after=1)
    objective.train()
    out = objective([shapes_batch(2)])  # 2 images x 16 grid cells use at most 32 codes
    assert float(out.components["code_usage"]) <= 0.5
    before = objective.codebook.detach().clone()
    objective.after_step(0.1)
    moved = (objective.codebook != before).any(1)
    assert moved.sum() >= 32
    assert int(objective.idle_steps.max()) == 0


def test_loss_decreases_on_a_fixed_batch(build, loss_drops, shapes_batch) -> None:
    # The VQ-VAE's own terms must fall fast; the code prior's NLL, in the same loss, starts
    # near log K and learns on its own, more slowly (tests/engine/test_generative_samples.py).
    objective, x = build(VQVAE), shapes_batch(16)
    prior_before = prior_nll(objective, x)
    before, after = loss_drops(objective, x, steps=10)
    prior_after = prior_nll(objective, x)
    assert after - prior_after < 0.7 * (before - prior_before)
    assert prior_after < prior_before


def prior_nll(objective: VQVAE, x: torch.Tensor) -> float:
    """The code prior's part of the loss on ``x`` (eval mode: no dead-code bookkeeping)."""
    objective.eval()
    with torch.no_grad():
        return float(objective([x]).components["prior_nll"])
