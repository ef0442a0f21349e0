"""MoCo v2: contrast a query with its momentum-encoded key against a queue of past keys."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.backbones.base import Backbone
from sslcore.objectives.base import LEARNING_TEST, ImageSpec, Objective, StepOutput, Visual
from sslcore.objectives.ema import ema_update, momentum_copy
from sslcore.objectives.fields import (
    ProjectorParams,
    TemperatureParams,
    memory_size_field,
    momentum_field,
    projector,
)
from sslcore.objectives.queue import FeatureQueue
from sslcore.objectives.similarity import similarity_matrix_visual


def moco_loss(
    q: Tensor, k: Tensor, queue: Tensor, temperature: float
) -> tuple[Tensor, dict[str, Tensor]]:
    """InfoNCE with a queue: −log exp(q·k⁺/τ) / (exp(q·k⁺/τ) + Σᵢ exp(q·kᵢ/τ)).

    Equal to lightly's ``NTXentLoss(temperature, memory_bank_size=(K, d))(q, k)`` when ``queue``
    is that memory bank's content before the call.

    Args:
        q: (B, d) queries from the online encoder.
        k: (B, d) positive keys from the momentum encoder (no gradient flows into them).
        queue: (K, d) keys of earlier batches: the negatives.
        temperature: τ.

    Returns:
        The loss and its components: mean cosine similarity of q with its key and with the queue.
    """
    q = F.normalize(q.float(), dim=1)
    k = F.normalize(k.float(), dim=1)
    queue = F.normalize(queue.float(), dim=1)
    positive = (q * k).sum(dim=1, keepdim=True)  # (B, 1)
    negative = q @ queue.T  # (B, K)
    logits = torch.cat([positive, negative], dim=1) / temperature  # (B, 1 + K)
    loss = F.cross_entropy(logits, torch.zeros(q.shape[0], dtype=torch.long, device=q.device))
    components = {
        "positive_similarity": positive.detach().mean(),
        "negative_similarity": negative.detach().mean(),
    }
    return loss, components


class MoCo(Objective):
    """MoCo v2 learns instance-discriminative features with negatives that outlive the batch.

    A query view goes through the online encoder (backbone + projector); the other view goes
    through a momentum encoder, a slow exponential moving average of the online one, giving a
    key. The loss picks the query's key out of the current key and a queue of keys from earlier
    batches. The queue decouples the number of negatives from the batch size, and the momentum
    encoder keeps those old keys consistent with the new ones. As in SimCLR, the negatives
    prevent collapse. The loss is symmetrised (each view is query once, MoCo v3 style) and both
    views' keys are queued.

    Recipe, compared with lightly's CIFAR-10 benchmark on real photographs (cifar10_dev, convnet,
    250 steps of 256; random network 39.1% kNN): with lightly's SGD and transforms, 44.9% kNN
    against lightly's 45.1%. Still different: lightly's projector has no BatchNorm and its
    ResNet splits BatchNorm into 8 groups with shuffled keys (MoCo's shuffling BN, against the
    batch-statistics shortcut); here keys and queries see one batch's statistics.

    References: [0] MoCo, 2020, https://arxiv.org/abs/1911.05722
    [1] MoCo v2, 2020, https://arxiv.org/abs/2003.04297
    """

    name = "moco"
    family = "contrastive"
    formula = (
        r"\mathcal{L} = -\log \frac{\exp(q \cdot k^{+}/\tau)}"
        r"{\exp(q \cdot k^{+}/\tau) + \sum_{i=1}^{K} \exp(q \cdot k_i/\tau)}"
        r"\qquad \xi \leftarrow m\,\xi + (1-m)\,\theta"
    )
    prevents_collapse = (
        "Negatives from a queue of K earlier keys, made by a slowly moving momentum encoder."
    )
    n_views = 2
    photo_measured = (
        "cifar10_dev kNN 44.9% (lightly's recipe 45.1%, random network 39.1%), convnet, "
        "250 steps of 256"
    )
    recipe_measured = f"shape kNN 33.8% → 50.4%, {LEARNING_TEST}"

    @dataclass(frozen=True)
    class Config(ProjectorParams, TemperatureParams):
        """MoCo's hyperparameters: SimCLR's, a constant key-encoder momentum and the queue."""

        momentum: float = momentum_field(0.99, rises=False)
        queue_size: int = memory_size_field(
            4096, "Queue size", "Keys of earlier batches kept as negatives (MoCo v2: 65536)."
        )

    def __init__(self, backbone: Backbone, config: MoCo.Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        self.projector = projector(backbone.out_dim, config)
        self.key_backbone = momentum_copy(backbone)
        self.key_projector = momentum_copy(self.projector)
        self.queue = FeatureQueue(config.queue_size, config.proj_out_dim, random_start=True)
        self._new_keys: Tensor | None = None

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        x = torch.cat(views)
        q1, q2 = self.projector(self.backbone(x)).chunk(2)  # (B, d) each
        with torch.no_grad():
            k1, k2 = self.key_projector(self.key_backbone(x)).chunk(2)
        negatives = self.queue.contents()
        loss_1, parts_1 = moco_loss(q1, k2, negatives, self.config.temperature)
        loss_2, parts_2 = moco_loss(q2, k1, negatives, self.config.temperature)
        components = {name: (parts_1[name] + parts_2[name]) / 2 for name in parts_1}
        # Queued after the optimizer step; on several processes (self.ranks) every one queues
        # the global batch's keys, in the single-process order, so all queues stay the same.
        self._new_keys = torch.cat([self.ranks.gather_with_grad(k) for k in (k1, k2)])
        return StepOutput((loss_1 + loss_2) / 2, components, q1.detach())

    def after_step(self, progress: float) -> None:
        """Move the key encoder towards the online one, then queue this step's keys."""
        ema_update(self.key_backbone, self.backbone, self.config.momentum)
        ema_update(self.key_projector, self.projector, self.config.momentum)
        if self._new_keys is not None:
            self.queue.push(self._new_keys)
            self._new_keys = None

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        return {"similarity": similarity_matrix_visual(self.projector(self.backbone(x)))}
