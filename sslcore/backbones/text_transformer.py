"""A small Transformer encoder for text: token ids in, one vector per token (and per sentence) out.

It is the text counterpart of the ViT: tokens instead of patches. Each token id is looked up in
an embedding table, a learned position embedding is added, and pre-norm transformer blocks let
the tokens attend to each other. Masked language models (BERT) let every token see every other;
causal language models (GPT) let each token see only the ones before it, which is what
``causal=True`` does. The sentence representation h is the mean of the token vectors over the
real (not padding) tokens, the pooling SimCSE and Sentence-BERT use.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from sslcore.backbones.base import Backbone, SizeRule
from sslcore.config import BackboneConfig
from sslcore.data.text_tokenizers import PAD

DROPOUT = 0.1  # on attention weights and residual branches: SimCSE's only "augmentation"


class TextTransformer(Backbone):
    """Embedding + position embedding + transformer blocks + LayerNorm, mean-pooled.

    Attributes:
        vocab_size: V, the tokenizer's vocabulary (ids 0..V-1; 0 is padding).
        context_length: L, the longest sequence it accepts (one position embedding each).
        dim: D, the token width (= out_dim).

    Args:
        vocab_size: V.
        context_length: L.
        dim: D (a multiple of ``heads``).
        depth: transformer blocks.
        heads: attention heads per block.
        dropout: dropout probability inside the blocks.

    References:
        [0] Attention Is All You Need, Vaswani et al. 2017, https://arxiv.org/abs/1706.03762
        [1] BERT, Devlin et al. 2019, https://arxiv.org/abs/1810.04805
    """

    name = "text_transformer"

    def __init__(
        self,
        vocab_size: int,
        context_length: int,
        dim: int,
        depth: int,
        heads: int,
        dropout: float = DROPOUT,
    ) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.context_length = context_length
        self.dim = dim
        self.out_dim = dim
        self.token_embed = nn.Embedding(vocab_size, dim, padding_idx=PAD)
        self.pos_embed = nn.Parameter(torch.randn(1, context_length, dim) * 0.02)
        block = nn.TransformerEncoderLayer(
            dim, heads, 4 * dim, dropout, activation="gelu", batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(block, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)

    def check_tokens(self, ids: Tensor) -> None:
        """Raise ValueError unless ``ids`` is a (B, L) integer batch with L <= context length."""
        if ids.dim() != 2 or ids.is_floating_point() or ids.shape[1] > self.context_length:
            raise ValueError(
                f"{self.name} takes (B, L) integer token ids with L <= {self.context_length}, "
                f"got {tuple(ids.shape)} {ids.dtype}"
            )

    def forward_tokens(self, ids: Tensor, causal: bool = False) -> Tensor:
        """(B, L) ids -> (B, L, D) token vectors; ``causal`` hides every later token."""
        self.check_tokens(ids)
        ids = ids.long()
        length = ids.shape[1]
        x = self.token_embed(ids) + self.pos_embed[:, :length]
        mask = nn.Transformer.generate_square_subsequent_mask(length, device=ids.device)
        # Causal attention already hides the padding at the end; the encoder must be told.
        padding = None if causal else ids == PAD
        x = self.blocks(x, mask=mask if causal else None, src_key_padding_mask=padding)
        return self.norm(x)

    def pool(self, tokens: Tensor, ids: Tensor) -> Tensor:
        """(B, L, D) token vectors -> (B, D): the mean over the real (non-padding) tokens."""
        real = (ids != PAD).unsqueeze(-1).to(tokens.dtype)  # (B, L, 1)
        return (tokens * real).sum(1) / real.sum(1).clamp(min=1.0)

    def forward(self, ids: Tensor) -> Tensor:  # type: ignore[override]
        """(B, L) ids -> (B, D) sentence vectors h (bidirectional attention)."""
        return self.pool(self.forward_tokens(ids), ids)


def text_transformer_sizes(config: BackboneConfig) -> SizeRule:
    """Any context length: the run's ``data.context_length`` sets it (image size is unused)."""
    return SizeRule(minimum=1, reason="text: data.context_length sets the sequence length")


def build_text_transformer(config: BackboneConfig, channels: int, image_size: int) -> Backbone:
    """text_transformer: a small Transformer encoder for token ids (text datasets only).

    For text, the two numbers every builder receives mean the vocabulary size (``channels``)
    and the context length (``image_size``); width, depth and heads are ``vit_dim``,
    ``vit_depth`` and ``vit_heads``.
    """
    return TextTransformer(channels, image_size, config.vit_dim, config.vit_depth, config.vit_heads)
