"""NNCLR: use the nearest neighbour from a support set of past projections as the positive."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.backbones.base import Backbone
from sslcore.heads import mlp_head
from sslcore.objectives.base import LEARNING_TEST, ImageSpec, Objective, StepOutput, Visual
from sslcore.objectives.fields import (
    ProjectorParams,
    TemperatureParams,
    memory_size_field,
    projector,
)
from sslcore.objectives.queue import FeatureQueue
from sslcore.objectives.ranks import ONE_PROCESS, Ranks
from sslcore.objectives.simclr import nt_xent_loss
from sslcore.objectives.similarity import similarity_matrix_visual


def nearest_neighbours(z: Tensor, support: Tensor) -> Tensor:
    """NN(z, Q): for each row of z, the most cosine-similar row of the support set (no gradient).

    Args:
        z: (B, d) projections.
        support: (n, d) past projections; when empty, z itself (detached) is returned.
    """
    if support.shape[0] == 0:
        return z.detach()
    similarity = F.normalize(z.detach().float(), dim=1) @ F.normalize(support.float(), dim=1).T
    return support[similarity.argmax(dim=1)].to(z.dtype)  # (B, d)


def nnclr_loss(
    nn1: Tensor,
    nn2: Tensor,
    p1: Tensor,
    p2: Tensor,
    temperature: float,
    ranks: Ranks = ONE_PROCESS,
) -> tuple[Tensor, dict[str, Tensor]]:
    """½ NT-Xent(NN(z₁), p₂) + ½ NT-Xent(NN(z₂), p₁): a neighbour of one view must pick out the
    prediction of the other.

    Equal to lightly's NNCLR recipe, ``0.5 * (NTXentLoss(τ)(nn0, p1) + NTXentLoss(τ)(nn1, p0))``.

    Args:
        nn1, nn2: (b, d) nearest neighbours of the two views' projections.
        p1, p2: (b, d) the two views' predictions.
        temperature: τ.
        ranks: the processes sharing the batch, whose views are all negatives (as in
            :func:`~sslcore.objectives.simclr.nt_xent_loss`); by default one (b = B).
    """
    loss_1, parts_1 = nt_xent_loss(nn1, p2, temperature, ranks)
    loss_2, parts_2 = nt_xent_loss(nn2, p1, temperature, ranks)
    components = {name: (parts_1[name] + parts_2[name]) / 2 for name in parts_1}
    return (loss_1 + loss_2) / 2, components


class NNCLR(Objective):
    """NNCLR learns features where semantically close images, not just two views, agree.

    As in SimCLR, but the positive for a view's projection is its nearest neighbour in a support
    set of projections of earlier batches, so positives come from other images that look alike
    to the network: more varied positives than any augmentation gives. A predictor head sits on
    the other view. The negatives (the rest of the batch) prevent collapse. The support set is
    filled from the first view's projections after each step; while it is empty, the positive
    is the projection itself (plain SimCLR).

    Recipe, compared with lightly's CIFAR-10 benchmark on real photographs (cifar10_dev, convnet,
    250 steps of 256; random network 39.1% kNN): with lightly's SGD, transforms and 2048-wide
    projector, 41.3% kNN against lightly's 41.6% (its predictor is 4096 wide, ours shares the
    projector's width; its support set starts random, ours empty).

    References: [0] NNCLR, 2021, https://arxiv.org/abs/2104.14548
    """

    name = "nnclr"
    family = "contrastive"
    formula = (
        r"\ell_i = -\log \frac{\exp(\mathrm{sim}(\mathrm{NN}(z_i, Q), z_i^{+})/\tau)}"
        r"{\sum_{k} \exp(\mathrm{sim}(\mathrm{NN}(z_i, Q), z_k^{+})/\tau)}"
    )
    prevents_collapse = (
        "Negatives, as in SimCLR; the positive is the nearest neighbour in a queue Q of past "
        "projections, which brings in variety no augmentation makes."
    )
    n_views = 2
    photo_measured = (
        "cifar10_dev kNN 41.3% (lightly's recipe 41.6%, random network 39.1%), convnet, "
        "250 steps of 256"
    )
    recipe_measured = f"shape kNN 33.8% → 56.2%, {LEARNING_TEST}"
    # lightly's CIFAR-10 projector (2048 wide, 256 out); the predictor shares its width.
    photo_recipe = {"objective.params.proj_hidden_dim": 2048, "objective.params.proj_out_dim": 256}

    @dataclass(frozen=True)
    class Config(ProjectorParams, TemperatureParams):
        """NNCLR's hyperparameters: SimCLR's and the support set."""

        support_size: int = memory_size_field(
            4096,
            "Support set size",
            "Past projections searched for each view's nearest neighbour (paper: 98304).",
        )

    def __init__(self, backbone: Backbone, config: NNCLR.Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        dim = config.proj_out_dim
        self.projector = projector(backbone.out_dim, config, last_batch_norm=True)
        self.predictor = mlp_head(
            dim, config.proj_hidden_dim, dim, 2, batch_norm=True, last_batch_norm=False
        )
        self.support = FeatureQueue(config.support_size, dim, random_start=False)
        self._new_support: Tensor | None = None

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        z = self.projector(self.backbone(torch.cat(views)))  # (2B, d)
        p1, p2 = self.predictor(z).chunk(2)
        z1, z2 = z.chunk(2)
        support = self.support.contents()
        nn1, nn2 = nearest_neighbours(z1, support), nearest_neighbours(z2, support)
        loss, components = nnclr_loss(nn1, nn2, p1, p2, self.config.temperature, self.ranks)
        components["neighbour_similarity"] = F.cosine_similarity(
            z1.detach().float(), nn1.float(), dim=1
        ).mean()
        self._new_support = self.ranks.gather_with_grad(z1.detach())  # the global batch's
        return StepOutput(loss, components, z1.detach())

    def after_step(self, progress: float) -> None:
        """Add this step's first-view projections to the support set."""
        if self._new_support is not None:
            self.support.push(self._new_support)
            self._new_support = None

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        return {"similarity": similarity_matrix_visual(self.projector(self.backbone(x)))}
