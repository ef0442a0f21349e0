"""Masked autoencoder: hide most patches of an image, rebuild them from the visible rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, cast

import torch
from torch import Tensor, nn

from sslcore.backbones.base import Backbone
from sslcore.config import ConfigError, spec
from sslcore.objectives.base import LEARNING_TEST, ImageSpec, Objective, StepOutput, Visual
from sslcore.objectives.fields import ObjectiveParams, mask_ratio_field
from sslcore.objectives.image_metrics import psnr
from sslcore.objectives.patches import patchify, unpatchify


class PatchEncoder(Protocol):
    """The ViT interface MAE needs: patch tokens, and an encoder over any subset of them."""

    patch_size: int
    num_patches: int
    dim: int
    in_channels: int

    def tokens(self, x: Tensor) -> Tensor: ...

    def transform(self, tokens: Tensor) -> Tensor: ...


def random_masking(
    batch: int, n: int, ratio: float, generator: torch.Generator, device: torch.device
) -> tuple[Tensor, Tensor]:
    """Per-image random split of n patches into visible and masked, with an exact mask ratio.

    Returns:
        keep: (B, n_visible) indices of the visible patches.
        mask: (B, n) 1.0 where a patch is masked, 0.0 where visible.
    """
    n_masked = int(round(n * ratio))
    noise = torch.rand(batch, n, generator=generator, device=generator.device)
    shuffle = noise.to(device).argsort(dim=1)
    keep = shuffle[:, : n - n_masked]
    mask = torch.ones(batch, n, device=device)
    mask.scatter_(1, keep, 0.0)
    return keep, mask


def patch_targets(x: Tensor, patch_size: int, normalize: bool) -> Tensor:
    """Pixels per patch (B, N, p·p·C), optionally standardised per patch (mean 0, var 1)."""
    target = patchify(x, patch_size)
    if normalize:
        mean = target.mean(dim=-1, keepdim=True)
        var = target.var(dim=-1, keepdim=True)
        target = (target - mean) / (var + 1e-6).sqrt()
    return target


def masked_patch_loss(
    pred: Tensor, target: Tensor, mask: Tensor
) -> tuple[Tensor, dict[str, Tensor]]:
    """L = mean over masked patches of ‖x_p − x̂_p‖² / (p·p·C); visible patches do not count."""
    per_patch = (pred - target).pow(2).mean(dim=-1)  # (B, N)
    loss = (per_patch * mask).sum() / mask.sum()
    visible = (per_patch * (1 - mask)).sum() / (1 - mask).sum().clamp_min(1)
    return loss, {"masked_mse": loss.detach(), "visible_mse": visible.detach()}


class MAEDecoder(nn.Module):
    """The light decoder: mask tokens fill the gaps, a few transformer blocks, pixels out.

    Args:
        encoder_dim: width of the encoder's tokens.
        dim: the decoder's own width (narrower than the encoder's, as in the paper).
        depth: transformer blocks.
        heads: attention heads.
        num_patches: N.
        patch_pixels: p·p·C, the values predicted per patch.
    """

    def __init__(
        self,
        encoder_dim: int,
        dim: int,
        depth: int,
        heads: int,
        num_patches: int,
        patch_pixels: int,
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(encoder_dim, dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.position = nn.Parameter(torch.zeros(1, 1 + num_patches, dim))
        nn.init.normal_(self.mask_token, std=0.02)
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(
            dim, heads, 4 * dim, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, patch_pixels)

    def forward(self, encoded: Tensor, keep: Tensor, n: int) -> Tensor:  # type: ignore[override]
        """Encoded (B, 1 + n_visible, D_enc) and visible indices -> predictions (B, n, p·p·C)."""
        tokens = self.embed(encoded)  # (B, 1 + n_visible, D)
        b, d = tokens.shape[0], tokens.shape[-1]
        patches = self.mask_token.expand(b, n, d).to(tokens.dtype).clone()
        patches.scatter_(1, keep.unsqueeze(-1).expand(-1, -1, d), tokens[:, 1:])  # unshuffle
        sequence = torch.cat([tokens[:, :1], patches], dim=1) + self.position
        return self.head(self.norm(self.blocks(sequence)))[:, 1:]


class MAE(Objective):
    """Masked autoencoder: encode a random 25% of the patches, reconstruct the masked 75%.

    The image is cut into patches; a random subset (``mask_ratio``, 75% by default) is hidden
    and the ViT encoder sees only the visible patches. A light decoder puts mask tokens in the
    hidden places and predicts their pixels; the loss counts only the masked patches. With most
    of the image gone, copying is impossible and neighbouring pixels do not suffice: the
    encoder has to infer the whole object (its shape, its colour) from fragments. The loss is a
    reconstruction error, minimised; the masking, not a negative pair, rules out the trivial
    solution. With ``normalize_targets`` each patch's pixels are standardised first, which
    stresses edges and texture over flat colour (the paper's better variant).

    The representation h is the class token of the full, unmasked image, as a ViT classifier
    would use it (``encode(x) = backbone(x)``).

    References:
        [0] He et al., Masked Autoencoders Are Scalable Vision Learners, 2022,
            https://arxiv.org/abs/2111.06377
    """

    name = "mae"
    family = "generative"
    formula = (
        r"\mathcal{L} = \frac{1}{|M|} \sum_{p \in M} \lVert x_p - \hat{x}_p \rVert^2"
        r"\quad M = \text{the masked patches (75\%)}"
    )
    prevents_collapse = (
        "Reconstruction of what was hidden: the encoder sees only the visible patches."
    )
    n_views = 1
    compatible_backbones = ("vit_tiny",)
    default_augment = "mae"
    photo_measured = (
        "cifar10_dev kNN 31.1% (lightly's recipe 29.3%, random ViT 29.0%), vit_tiny, "
        "250 steps of 256"
    )
    recipe_measured = f"shape kNN 29.6% → 23.6% (vit_tiny; not yet), {LEARNING_TEST}"
    recipe = {
        "optim.lr": 1.5e-3,
        "optim.weight_decay": 0.05,
        "optim.warmup_steps": 20,
        "backbone.name": "vit_tiny",
        "backbone.vit_dim": 128,
        "backbone.vit_depth": 4,
        "backbone.vit_heads": 4,
    }

    @dataclass(frozen=True)
    class Config(ObjectiveParams):
        mask_ratio: float = mask_ratio_field(
            0.75, "Share of patches hidden from the encoder.", min=0.1
        )
        decoder_dim: int = spec(
            128, "Decoder width", "Token width of the decoder.", min=32, max=512, step=32
        )
        decoder_depth: int = spec(
            2, "Decoder depth", "Transformer blocks in the decoder.", min=1, max=8
        )
        decoder_heads: int = spec(
            4, "Decoder heads", "Attention heads (divide the width).", min=1, max=16
        )
        normalize_targets: bool = spec(
            True,
            "Normalise patch targets",
            "Predict each patch's pixels standardised by its own mean and std.",
        )

    def __init__(self, backbone: Backbone, config: Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        if not all(hasattr(backbone, a) for a in ("tokens", "transform", "num_patches")):
            raise ConfigError(
                "backbone.name",
                f"mae needs a ViT backbone with tokens() and "
                f"transform(), got {type(backbone).__name__}",
            )
        if config.decoder_dim % config.decoder_heads:
            raise ConfigError(
                "objective.params.decoder_dim",
                f"{config.decoder_dim} is not divisible by decoder_heads ({config.decoder_heads})",
            )
        vit = self.vit
        self.decoder = MAEDecoder(
            vit.dim,
            config.decoder_dim,
            config.decoder_depth,
            config.decoder_heads,
            vit.num_patches,
            vit.patch_size**2 * vit.in_channels,
        )

    @property
    def vit(self) -> PatchEncoder:
        return cast(PatchEncoder, self.backbone)

    def reconstruct(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Mask, encode the visible patches, decode: predictions (B, N, p·p·C), mask, encoded."""
        tokens = self.vit.tokens(x)  # (B, N, D)
        b, n, d = tokens.shape
        keep, mask = random_masking(b, n, self.config.mask_ratio, self.generator, x.device)
        visible = torch.gather(tokens, 1, keep.unsqueeze(-1).expand(-1, -1, d))
        encoded = self.vit.transform(visible)  # (B, 1 + n_visible, D)
        return self.decoder(encoded, keep, n), mask, encoded

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        x = views[0]
        pred, mask, encoded = self.reconstruct(x)
        target = patch_targets(x, self.vit.patch_size, self.config.normalize_targets)
        loss, components = masked_patch_loss(pred, target, mask)
        if not self.config.normalize_targets:
            components["psnr"] = psnr(components["masked_mse"])
        return StepOutput(loss, components, embedding=encoded[:, 0].detach())

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        """The masked input, the reconstruction (visible patches pasted back), the original."""
        x = x[:8]
        p, c = self.vit.patch_size, self.vit.in_channels
        pred, mask, _ = self.reconstruct(x)
        patches = patchify(x, p)
        if self.config.normalize_targets:  # undo the per-patch standardisation for display
            mean = patches.mean(dim=-1, keepdim=True)
            std = (patches.var(dim=-1, keepdim=True) + 1e-6).sqrt()
            pred = pred * std + mean
        hidden = mask.unsqueeze(-1).bool()
        masked = torch.where(hidden, torch.full_like(patches, 0.5), patches)
        pasted = torch.where(hidden, pred, patches)
        return {
            "masked": Visual(unpatchify(masked, p, c)),
            "reconstruction": Visual(unpatchify(pasted, p, c).clamp(0, 1)),
            "original": Visual(x),
        }
