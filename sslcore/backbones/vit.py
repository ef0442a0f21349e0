"""A small Vision Transformer whose two halves, tokens and transform, masked modelling can split.

MAE (He et al. 2022, arXiv:2111.06377) encodes only the visible patches of an image. So this ViT
splits its forward pass in two: :meth:`VisionTransformer.tokens` turns an image into patch tokens
with their position embeddings, and :meth:`VisionTransformer.transform` runs the encoder on any
subset of those tokens. ``forward`` is simply both halves on every patch, reading the class token.
"""

from __future__ import annotations

import math
from typing import cast

import torch
from torch import Tensor, nn
from torchvision.models.vision_transformer import EncoderBlock

from sslcore.backbones.base import Backbone, SizeRule, check_input_size, to_signed
from sslcore.config import BackboneConfig, ConfigError


def sincos_position_embedding(grid: int, dim: int) -> Tensor:
    """The fixed 2D sine-cosine position embedding of MAE, (grid * grid, dim).

    Half of the channels encode the patch's row and half its column, each as sines and cosines of
    the position at geometrically spaced frequencies, so nearby patches get similar codes.
    """
    quarter = dim // 4
    omega = 1.0 / 10000 ** (torch.arange(quarter, dtype=torch.float64) / quarter)  # (dim/4,)
    coords = torch.arange(grid, dtype=torch.float64)
    rows, cols = torch.meshgrid(coords, coords, indexing="ij")  # (grid, grid) each

    def encode(positions: Tensor) -> Tensor:
        angles = positions.reshape(-1, 1) * omega  # (N, dim/4)
        return torch.cat([angles.sin(), angles.cos()], dim=1)  # (N, dim/2)

    return torch.cat([encode(rows), encode(cols)], dim=1).float()  # (N, dim)


class VisionTransformer(Backbone):
    """ViT: cut the image into patches, embed each as a token, let the tokens attend to each other.

    An image of side S is cut into N = (S / P)² patches of P x P pixels, numbered row by row
    (patch k covers rows (k // g)·P.. and columns (k % g)·P.., with g = S / P). Each patch is
    projected linearly to a D-dim token and gets a position embedding (learned, started from the
    2D sine-cosine code). A learned class token is prepended; after the pre-norm transformer
    blocks and a final LayerNorm, the class token is the representation h (out_dim = D).

    Attributes:
        patch_size: P, the side of a patch in pixels.
        num_patches: N, patches per image.
        dim: D, the token width.
        in_channels: image channels.

    Args:
        channels: input channels (1 for grey, 3 for RGB).
        image_size: the side S this ViT is built for (a multiple of P).
        patch_size: P.
        dim: D (a multiple of 4 for the position code, and of ``heads``).
        depth: transformer blocks.
        heads: attention heads per block.

    References:
        [0] ViT, Dosovitskiy et al. 2021, https://arxiv.org/abs/2010.11929
        [1] MAE, He et al. 2022, https://arxiv.org/abs/2111.06377
    """

    name = "vit_tiny"

    def __init__(
        self, channels: int, image_size: int, patch_size: int, dim: int, depth: int, heads: int
    ) -> None:
        super().__init__()
        self.image_size = image_size
        self.patch_size = patch_size
        self.in_channels = channels
        self.dim = dim
        self.out_dim = dim
        grid = image_size // patch_size
        self.num_patches = grid * grid
        self.patch_embed = nn.Conv2d(channels, dim, kernel_size=patch_size, stride=patch_size)
        # torchvision's patch-embedding initialisation: unit variance for unit-variance pixels.
        fan_in = channels * patch_size * patch_size
        nn.init.trunc_normal_(self.patch_embed.weight, std=math.sqrt(1 / fan_in))
        nn.init.zeros_(self.patch_embed.bias)  # type: ignore[arg-type]
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        nn.init.normal_(self.class_token, std=0.02)
        # Index 0 belongs to the class token (started at zero), 1..N to the patches.
        position = torch.cat([torch.zeros(1, dim), sincos_position_embedding(grid, dim)])
        self.pos_embedding = nn.Parameter(position.unsqueeze(0))  # (1, 1 + N, D)
        self.blocks = nn.Sequential(
            *[
                EncoderBlock(heads, dim, 4 * dim, dropout=0.0, attention_dropout=0.0)
                for _ in range(depth)
            ]
        )
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def tokens(self, x: Tensor) -> Tensor:
        """Patch tokens with their position embeddings, no class token: (B, N, D)."""
        check_input_size(x, self.image_size, self.name)
        patches = self.patch_embed(to_signed(x))  # (B, D, g, g)
        tokens = patches.flatten(2).transpose(1, 2)  # (B, N, D), patches row by row
        return tokens + self.pos_embedding[:, 1:]

    def with_class_token(self, tokens: Tensor) -> Tensor:
        """Prepend the class token (with its position embedding): (B, N', D) -> (B, 1 + N', D)."""
        cls = (self.class_token + self.pos_embedding[:, :1]).expand(tokens.shape[0], -1, -1)
        return torch.cat([cls.to(tokens.dtype), tokens], dim=1)

    def transform(self, tokens: Tensor) -> Tensor:
        """Encode any subset of patch tokens: (B, N', D) -> (B, 1 + N', D), class token first."""
        return self.norm(self.blocks(self.with_class_token(tokens)))

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return self.transform(self.tokens(x))[:, 0]  # (B, D)

    def attention_maps(self, x: Tensor) -> Tensor:
        """Where the class token looks: the last block's attention to every patch, per head.

        The picture of DINO's Fig. 1 (Caron et al. 2021, arXiv:2104.14294): the attention
        weights softmax(q_cls · k_j / √d_head) of the class token's query over the keys of the
        last block, one map per head. The class token's weight on itself is dropped and each
        map renormalised, so a map is a distribution over the patches (it sums to 1). It is
        computed as the block computes it (LayerNorm ``ln_1``, then the attention); the forward
        pass is unchanged.

        Returns:
            (B, heads, g, g), g = S / P: entry [b, h, i, j] is head h's weight on the patch in
            row i, column j of image b.
        """
        sequence = self.blocks[:-1](self.with_class_token(self.tokens(x)))  # (B, 1 + N, D)
        last = cast(EncoderBlock, self.blocks[-1])
        normed = last.ln_1(sequence)
        _, weights = last.self_attention(
            normed, normed, normed, need_weights=True, average_attn_weights=False
        )  # (B, heads, 1 + N, 1 + N): queries x keys
        to_patches = weights[:, :, 0, 1:]  # (B, heads, N): the class token's query, patch keys
        to_patches = to_patches / to_patches.sum(dim=-1, keepdim=True)
        grid = self.image_size // self.patch_size
        return to_patches.reshape(*to_patches.shape[:2], grid, grid)


def build_vit_tiny(config: BackboneConfig, channels: int, image_size: int) -> Backbone:
    """Small Vision Transformer (patch tokens + class token); the encoder for masked modelling."""
    if config.vit_dim % 4:
        raise ConfigError(
            "backbone.vit_dim",
            f"{config.vit_dim} is not a multiple of 4, which the 2D sine-cosine position "
            "embedding needs (a quarter of the channels each for row sines, row cosines, "
            "column sines and column cosines)",
        )
    return VisionTransformer(
        channels,
        image_size,
        config.patch_size,
        config.vit_dim,
        config.vit_depth,
        config.vit_heads,
    )


def vit_sizes(config: BackboneConfig) -> SizeRule:
    # At least 2x2 patches, so attention has neighbours and a mask can hide some of them.
    return SizeRule(
        minimum=2 * config.patch_size,
        multiple=config.patch_size,
        reason=f"whole {config.patch_size}x{config.patch_size} patches (backbone.patch_size), "
        "at least 2x2 of them",
    )
