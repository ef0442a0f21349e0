"""SimCSE: contrastive sentence embeddings whose views differ by dropout (and, here, a crop)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sslcore.backbones.base import Backbone
from sslcore.objectives.base import ImageSpec, StepOutput, Visual
from sslcore.objectives.fields import TemperatureParams, temperature_field
from sslcore.objectives.similarity import pair_similarities, similarity_matrix_visual
from sslcore.objectives.text_parts import TEXT_RECIPE, TextObjective, text_backbone


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
    the batch away. The bridge to the vision lessons: the views decide what is learned.
    Collapse is prevented by the negatives, as in SimCLR. A small MLP on top of h is used
    during training only.

    The paper fine-tunes a pretrained BERT, whose embeddings already mean something; dropout
    alone is then enough. From a random network it is not: measured here (words, 64-wide
    transformer, 120 steps), dropout-only views were told apart at step 0 (loss 0.003), nothing
    was left to learn, and the module kNN moved 47.7% -> 49-50%. So the lab's recipe also
    crops: each view is a random span of 50-80% of the paragraph (``augment.crop_scale_*``, as
    DeCLUTR samples spans), so the two views share the subject, not the words, and kNN rose to
    52-53%. Set both crop scales to 1 for the paper's dropout-only views.

    References: [0] SimCSE, Gao, Yao and Chen 2021, https://arxiv.org/abs/2104.08821
    [1] DeCLUTR, Giorgi et al. 2021, https://arxiv.org/abs/2006.03659
    """

    name = "simcse"
    family = "contrastive"
    formula = (
        r"\ell_i = -\log \frac{\exp(\mathrm{sim}(h_i, h_i^{+})/\tau)}"
        r"{\sum_{j=1}^{N} \exp(\mathrm{sim}(h_i, h_j^{+})/\tau)}"
        r"\qquad h_i, h_i^{+} = f(x_i) \text{ under two dropout masks},\; \tau = 0.05"
    )
    prevents_collapse = (
        "Negatives: the other sentences of the batch. The paper's only augmentation is "
        "dropout: the same sentence, seen twice through different dropout masks, must find "
        "itself. From a random network that is too easy, so the lab's recipe also shows each "
        "view a different random span of the paragraph."
    )
    n_views = 2
    recipe = TEXT_RECIPE | {
        "augment.preset": "custom",
        "augment.crop_scale_min": 0.5,
        "augment.crop_scale_max": 0.8,
    }

    @dataclass(frozen=True)
    class Config(TemperatureParams):
        """SimCSE's hyperparameters."""

        temperature: float = temperature_field(0.05)

    def __init__(self, backbone: Backbone, config: SimCSE.Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        dim = text_backbone(backbone, self.name).dim
        self.projector = nn.Sequential(nn.Linear(dim, dim), nn.Tanh())  # SimCSE's MLP pooler

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        # One pass over both views: dropout draws a fresh mask for every row.
        z1, z2 = self.projector(self.backbone(torch.cat(views))).chunk(2)  # (B, D) each
        loss, components = simcse_loss(z1, z2, self.config.temperature)
        return StepOutput(loss, components, z1.detach())

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        return {"similarity": similarity_matrix_visual(self.backbone(x))}
