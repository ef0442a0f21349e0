"""lightly's own training recipes, written as its CIFAR-10 benchmark writes them.

Source: lightly's ``docs/source/getting_started/benchmarks/cifar10_benchmark.py`` (the script
behind its published CIFAR-10 table), read at lightly 1.6. Every model there trains with
``SGD(lr=0.06 * batch/128, momentum=0.9, weight_decay=5e-4)`` and a cosine decay to zero
without warm-up (SimSiam: 0.06 unscaled), passes each view through the network separately
(BatchNorm statistics per view), updates its momentum networks with a *constant* 0.99 before
each step, and augments with lightly's PIL transforms with blur switched off (32x32 images).
Two methods are not in that script; they follow lightly's nearest recipe:

- VICReg: lightly's CIFAR-10 example (``examples/pytorch/vicreg.py``): ``VICRegTransform``,
  ``VICRegLoss``, a two-layer 2048-wide head, plain SGD at 0.06 (its ImageNet benchmark uses
  LARS at batch 256 x 8, not a CPU budget).
- MAE: lightly's ImageNet ViT-B/16 recipe (mask 75%, AdamW 1.5e-4 x batch/256, betas
  (0.9, 0.95), weight decay 0.05 except norms and biases, 40-of-800-epoch warm-up, pixel MSE
  without per-patch normalisation) on a torchvision ViT of the lab's ``vit_tiny`` size, through
  lightly's ``MaskedVisionTransformerTorchvision`` and ``MAEDecoder`` (its TIMM twins need timm).

Each recipe is a module with ``loss(views)``, ``after_step()``, ``encode(x)``, its optimizer and
its transform; the backbone is passed in, so lightly's model starts from the lab's weights.
"""

from __future__ import annotations

import copy

import torch
from lightly.loss import (
    BarlowTwinsLoss,
    DINOLoss,
    NegativeCosineSimilarity,
    NTXentLoss,
    VICRegLoss,
)
from lightly.models import utils
from lightly.models.modules import (
    MAEDecoder,
    MaskedVisionTransformerTorchvision,
    NNMemoryBankModule,
    heads,
)
from lightly.transforms import (
    BYOLTransform,
    BYOLView1Transform,
    BYOLView2Transform,
    DINOTransform,
    MAETransform,
    SimCLRTransform,
    SimSiamTransform,
    VICRegTransform,
)
from torch import Tensor, nn
from torchvision.models.vision_transformer import VisionTransformer

SIZE = 32


def two_layers(in_dim: int, hidden: int, out: int, last_bn: bool) -> heads.ProjectionHead:
    """The 2-layer CIFAR-10 projector of the script (Linear-BN-ReLU-Linear[-BN])."""
    return heads.ProjectionHead([
        (in_dim, hidden, nn.BatchNorm1d(hidden), nn.ReLU(inplace=True)),
        (hidden, out, nn.BatchNorm1d(out) if last_bn else None, None),
    ])  # fmt: skip


def frozen_copy(module: nn.Module) -> nn.Module:
    target = copy.deepcopy(module)
    utils.deactivate_requires_grad(target)
    return target


class Recipe(nn.Module):
    """A backbone, the method's heads and loss; lightly's optimizer and transform."""

    lr = 0.06  # x batch/128 unless ``scale_lr`` is False
    scale_lr = True

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone

    def trainable(self) -> list[nn.Module]:
        return [m for m in self.children() if any(p.requires_grad for p in m.parameters())]

    def optimizer(self, batch_size: int) -> torch.optim.Optimizer:
        lr = self.lr * (batch_size / 128 if self.scale_lr else 1.0)
        params = [p for m in self.trainable() for p in m.parameters() if p.requires_grad]
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4)

    def transform(self):
        return SimCLRTransform(input_size=SIZE, cj_strength=0.5, gaussian_blur=0.0, normalize=None)

    def encode(self, x: Tensor) -> Tensor:
        return self.backbone(x).flatten(1)

    def after_step(self) -> None:
        pass

    def loss(self, views: list[Tensor]) -> Tensor:
        raise NotImplementedError


def byol_transform() -> BYOLTransform:
    return BYOLTransform(
        view_1_transform=BYOLView1Transform(input_size=SIZE, gaussian_blur=0.0, normalize=None),
        view_2_transform=BYOLView2Transform(input_size=SIZE, gaussian_blur=0.0, normalize=None),
    )


class SimCLR(Recipe):
    def __init__(self, backbone: nn.Module, dim: int) -> None:
        super().__init__(backbone)
        self.projection_head = heads.SimCLRProjectionHead(dim, 512, 128)
        self.criterion = NTXentLoss()

    def loss(self, views: list[Tensor]) -> Tensor:
        z0, z1 = (self.projection_head(self.encode(x)) for x in views)
        return self.criterion(z0, z1)


class MoCo(Recipe):
    def __init__(self, backbone: nn.Module, dim: int) -> None:
        super().__init__(backbone)
        self.projection_head = heads.MoCoProjectionHead(dim, 512, 128)
        self.backbone_momentum = frozen_copy(backbone)
        self.projection_head_momentum = frozen_copy(self.projection_head)
        self.criterion = NTXentLoss(temperature=0.1, memory_bank_size=(4096, 128))

    def loss(self, views: list[Tensor]) -> Tensor:
        utils.update_momentum(self.backbone, self.backbone_momentum, 0.99)
        utils.update_momentum(self.projection_head, self.projection_head_momentum, 0.99)

        def step(x0: Tensor, x1: Tensor) -> tuple[Tensor, Tensor]:
            x1, shuffle = utils.batch_shuffle(x1)
            q = self.projection_head(self.encode(x0))
            k = self.projection_head_momentum(self.backbone_momentum(x1).flatten(1))
            return q, utils.batch_unshuffle(k, shuffle)

        x0, x1 = views
        return 0.5 * (self.criterion(*step(x0, x1)) + self.criterion(*step(x1, x0)))


class NNCLR(Recipe):
    def __init__(self, backbone: nn.Module, dim: int) -> None:
        super().__init__(backbone)
        self.projection_head = two_layers(dim, 2048, 256, last_bn=True)
        self.prediction_head = heads.NNCLRPredictionHead(256, 4096, 256)
        self.criterion = NTXentLoss()
        self.memory_bank = NNMemoryBankModule(size=(4096, 256))

    def loss(self, views: list[Tensor]) -> Tensor:
        (z0, p0), (z1, p1) = (self._forward(x) for x in views)
        z0 = self.memory_bank(z0, update=False)
        z1 = self.memory_bank(z1, update=True)
        return 0.5 * (self.criterion(z0, p1) + self.criterion(z1, p0))

    def _forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        z = self.projection_head(self.encode(x))
        return z.detach(), self.prediction_head(z)


class SimSiam(Recipe):
    scale_lr = False  # the script: "no lr-scaling, results in better training stability"

    def __init__(self, backbone: nn.Module, dim: int) -> None:
        super().__init__(backbone)
        self.projection_head = two_layers(dim, 2048, 2048, last_bn=True)
        self.prediction_head = heads.SimSiamPredictionHead(2048, 512, 2048)
        self.criterion = NegativeCosineSimilarity()

    def transform(self):
        return SimSiamTransform(input_size=SIZE, gaussian_blur=0.0, normalize=None)

    def loss(self, views: list[Tensor]) -> Tensor:
        (z0, p0), (z1, p1) = (self._forward(x) for x in views)
        return 0.5 * (self.criterion(z0, p1) + self.criterion(z1, p0))

    def _forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        z = self.projection_head(self.encode(x))
        return z.detach(), self.prediction_head(z)


class BYOL(Recipe):
    def __init__(self, backbone: nn.Module, dim: int) -> None:
        super().__init__(backbone)
        self.projection_head = heads.BYOLProjectionHead(dim, 1024, 256)
        self.prediction_head = heads.BYOLPredictionHead(256, 1024, 256)
        self.backbone_momentum = frozen_copy(backbone)
        self.projection_head_momentum = frozen_copy(self.projection_head)
        self.criterion = NegativeCosineSimilarity()

    def transform(self):
        return byol_transform()

    def loss(self, views: list[Tensor]) -> Tensor:
        utils.update_momentum(self.backbone, self.backbone_momentum, m=0.99)
        utils.update_momentum(self.projection_head, self.projection_head_momentum, m=0.99)
        x0, x1 = views
        p0, p1 = (self.prediction_head(self.projection_head(self.encode(x))) for x in views)
        with torch.no_grad():
            z0, z1 = (self.projection_head_momentum(self.backbone_momentum(x).flatten(1))
                      for x in views)  # fmt: skip
        return 0.5 * (self.criterion(p0, z1) + self.criterion(p1, z0))


class DINO(Recipe):
    def __init__(self, backbone: nn.Module, dim: int) -> None:
        super().__init__(backbone)
        self.head = self._head(dim)
        self.teacher_backbone = frozen_copy(backbone)
        self.teacher_head = self._head(dim)  # the script builds it anew (weight norm: no copy)
        utils.deactivate_requires_grad(self.teacher_head)
        self.criterion = DINOLoss(output_dim=2048)

    @staticmethod
    def _head(dim: int) -> heads.DINOProjectionHead:
        head = heads.DINOProjectionHead(dim, 2048, 256, 2048, batch_norm=True)
        # the script: "use only 2 layers for cifar10"
        head.layers = heads.ProjectionHead([
            (dim, 2048, nn.BatchNorm1d(2048), nn.GELU()),
            (2048, 256, None, None),
        ]).layers  # fmt: skip
        return head

    def transform(self):
        return DINOTransform(global_crop_size=SIZE, n_local_views=0, cj_strength=0.5,
                             gaussian_blur=(0, 0, 0), normalize=None)  # fmt: skip

    def loss(self, views: list[Tensor]) -> Tensor:
        utils.update_momentum(self.backbone, self.teacher_backbone, m=0.99)
        utils.update_momentum(self.head, self.teacher_head, m=0.99)
        with torch.no_grad():
            teacher = [self.teacher_head(self.teacher_backbone(x).flatten(1)) for x in views]
        student = [self.head(self.encode(x)) for x in views]
        return self.criterion(teacher, student, epoch=0)


class BarlowTwins(Recipe):
    def __init__(self, backbone: nn.Module, dim: int) -> None:
        super().__init__(backbone)
        self.projection_head = two_layers(dim, 2048, 2048, last_bn=False)
        self.criterion = BarlowTwinsLoss()

    def transform(self):
        return byol_transform()

    def loss(self, views: list[Tensor]) -> Tensor:
        z0, z1 = (self.projection_head(self.encode(x)) for x in views)
        return self.criterion(z0, z1)


class VICReg(BarlowTwins):
    """lightly's CIFAR-10 VICReg example (examples/pytorch/vicreg.py): its head (Barlow Twins'
    here), transform and plain SGD at 0.06. The benchmark script's SGD with momentum 0.9 at
    0.12 (batch 256) diverged within 250 steps."""

    lr, scale_lr = 0.06, False

    def __init__(self, backbone: nn.Module, dim: int) -> None:
        super().__init__(backbone, dim)
        self.criterion = VICRegLoss()

    def optimizer(self, batch_size: int) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.lr)

    def transform(self):
        return VICRegTransform(input_size=SIZE, normalize=None)


class MAE(Recipe):
    """lightly's MAE on a torchvision ViT of the given size; ``backbone`` is ignored."""

    def __init__(self, backbone: nn.Module, dim: int, vit: dict[str, int]) -> None:
        super().__init__(nn.Identity())
        width, patch = vit["dim"], vit["patch_size"]
        torch_vit = VisionTransformer(
            image_size=SIZE, patch_size=patch, num_layers=vit["depth"], num_heads=vit["heads"],
            hidden_dim=width, mlp_dim=4 * width,
        )  # fmt: skip
        self.backbone = MaskedVisionTransformerTorchvision(vit=torch_vit)
        self.patch_size = patch
        self.sequence_length = torch_vit.seq_length
        self.decoder = MAEDecoder(
            seq_length=torch_vit.seq_length, num_layers=vit["decoder_depth"],
            num_heads=vit["decoder_heads"], embed_input_dim=width,
            hidden_dim=vit["decoder_dim"], mlp_dim=4 * vit["decoder_dim"],
            out_dim=patch**2 * 3,
        )  # fmt: skip
        self.mask_token = nn.Parameter(torch.zeros(1, 1, vit["decoder_dim"]))
        self.criterion = nn.MSELoss()

    def optimizer(self, batch_size: int) -> torch.optim.Optimizer:
        decay, no_decay = utils.get_weight_decay_parameters([self.backbone, self.decoder])
        no_decay.append(self.mask_token)
        return torch.optim.AdamW(
            [{"params": decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=1.5e-4 * batch_size / 256, weight_decay=0.05, betas=(0.9, 0.95),
        )  # fmt: skip

    def transform(self):
        return MAETransform(input_size=SIZE, normalize=None)

    def encode(self, x: Tensor) -> Tensor:
        return self.backbone(images=x * 2 - 1)  # the lab's [-1, 1] input range

    def loss(self, views: list[Tensor]) -> Tensor:
        images = views[0] * 2 - 1
        idx_keep, idx_mask = utils.random_token_mask(
            size=(images.shape[0], self.sequence_length), mask_ratio=0.75, device=images.device
        )
        encoded = self.decoder.embed(self.backbone.encode(images=images, idx_keep=idx_keep))
        x_masked = utils.repeat_token(self.mask_token, (images.shape[0], self.sequence_length))
        x_masked = utils.set_at_index(x_masked, idx_keep, encoded.type_as(x_masked))
        decoded = utils.get_at_index(self.decoder.decode(x_masked), idx_mask)
        predictions = self.decoder.predict(decoded)
        target = utils.get_at_index(utils.patchify(images, self.patch_size), idx_mask - 1)
        return self.criterion(predictions, target)


RECIPES: dict[str, type[Recipe]] = {
    "simclr": SimCLR, "moco": MoCo, "nnclr": NNCLR, "byol": BYOL, "simsiam": SimSiam,
    "dino": DINO, "barlow_twins": BarlowTwins, "vicreg": VICReg, "mae": MAE,
}  # fmt: skip
