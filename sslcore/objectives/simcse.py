"""SimCSE: contrastive sentence embeddings where dropout is the only augmentation."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sslcore.backbones.base import Backbone
from sslcore.config import Section
from sslcore.objectives.base import ImageSpec, StepOutput, Visual
from sslcore.objectives.fields import temperature_field
from sslcore.objectives.similarity import pair_similarities, similarity_matrix_visual
from sslcore.objectives.text_parts import TextObjective, text_backbone


def simcse_loss(z1: Tensor, z2: Tensor, temperature: float) -> tuple[Tensor, dict[str, Tensor]]:
    """InfoNCE between two dropout views: ℓᵢ = −log exp(sim(z1ᵢ, z2ᵢ)/τ) / Σⱼ exp(sim(z1ᵢ, z2ⱼ)/τ).

    Each sentence's first view must pick its own second view among the B second views of the
    batch (the other sentences are the negatives).

    Args:
        z1, z2: (B, d) embeddings of the same B sentences under two dropout masks.
        temperature: τ (SimCSE: 0.05).

    Returns:
        The loss and its components: mean cosine similarity of positive and negative pairs, and
        how often a sentence's nearest second view is its own.
    """
    a, b = F.normalize(z1.float(), dim=1), F.normalize(z2.float(), dim=1)
    logits = a @ b.T / temperature  # (B, B)
    own = torch.arange(logits.shape[0], device=logits.device)
    loss = F.cross_entropy(logits, own)
    positive, negative = pair_similarities(z1, z2)
    accuracy = (logits.detach().argmax(1) == own).float().mean()
    return loss, {
        "positive_similarity": positive,
        "negative_similarity": negative,
        "accuracy": accuracy,
    }


class SimCSE(TextObjective):
    """SimCSE learns sentence embeddings by telling sentences apart; dropout makes the views.

    The same batch of sentences goes through the transformer twice. Dropout switches off a
    different random set of units each time, so the two embeddings of a sentence differ a
    little: they are its two "views", exactly as two crops of an image are in SimCLR. The
    InfoNCE loss pulls the two views of a sentence together and pushes the other sentences of
    the batch away. The bridge to the vision lessons: the views decide what is learned, and
    here they are as gentle as views can be (the text itself never changes), so what is learned
    is whatever tells sentences apart: their words and subject. Collapse is prevented by the
    negatives, as in SimCLR. A small MLP on top of h is used during training only.

    References: [0] SimCSE, Gao, Yao and Chen 2021, https://arxiv.org/abs/2104.08821
    """

    name = "simcse"
    family = "contrastive"
    n_views = 2

    @dataclass(frozen=True)
    class Config(Section):
        """SimCSE's hyperparameters."""

        _prefix = "objective.params."
        temperature: float = temperature_field(0.05)

    def __init__(self, backbone: Backbone, config: SimCSE.Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        dim = text_backbone(backbone, self.name).dim
        self.projector = nn.Sequential(nn.Linear(dim, dim), nn.Tanh())  # SimCSE's MLP pooler

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        # One pass over both copies: dropout draws a fresh mask for every row.
        z1, z2 = self.projector(self.backbone(torch.cat(views))).chunk(2)  # (B, D) each
        loss, components = simcse_loss(z1, z2, self.config.temperature)
        return StepOutput(loss, components, z1.detach())

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        return {"similarity": similarity_matrix_visual(self.backbone(x))}
