"""The parts the three text objectives (mlm, next_token, simcse) share.

What they show: rows of token ids, some tokens highlighted. An objective has no tokenizer (it
only sees ids), so its text pictures are ids: a :class:`TokenVisual` holds (N, L) token ids in
``images`` and a (N, L) ``highlight`` mask of the tokens to mark (the masked positions of MLM,
the sampled continuation of a language model). The monitor turns them into text with the run's
tokenizer, marking highlighted tokens ``⟦like this⟧``.
Also shared: :class:`TextObjective` (what makes a method a text method: its modality, backbone,
no image augmentation and the default recipe), the check for the text backbone and the
language-model head.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn

from sslcore.backbones.base import Backbone
from sslcore.backbones.text_transformer import TextTransformer
from sslcore.objectives.base import Objective, Visual

# Sized to learn visibly on a 2-core CPU in a few minutes (about 0.4 M parameters). fp32: bf16
# autocast made a small transformer step 7x slower on these CPUs (measured), unlike the CNNs.
TEXT_RECIPE = {
    "optim.precision": "fp32",
    "backbone.vit_dim": 128,
    "backbone.vit_depth": 2,
    "backbone.vit_heads": 4,
    "optim.lr": 1e-3,
    "optim.batch_size": 64,
}


class TextObjective(Objective):
    """Base of the text objectives: token ids in, the text_transformer backbone, no
    augmentation by default (the text crop is the only one that applies to text; SimCSE's recipe
    uses it), the CPU-sized :data:`TEXT_RECIPE`."""

    modality = "text"
    compatible_backbones = ("text_transformer",)
    default_augment = "none"
    recipe = TEXT_RECIPE


@dataclass
class TokenVisual(Visual):
    """Rows of token ids to show as text.

    Attributes:
        images: (N, L) int64 token ids (``PAD`` is dropped when shown).
        captions: one caption per row.
        highlight: (N, L) bool, the tokens to mark; None marks nothing.
    """

    highlight: Tensor | None = None


def text_backbone(backbone: Backbone, objective: str) -> TextTransformer:
    """``backbone`` as a :class:`TextTransformer`; a clear error for any other backbone."""
    if not isinstance(backbone, TextTransformer):
        raise ValueError(
            f"{objective} works on text and needs the text_transformer backbone, "
            f"got {type(backbone).__name__}"
        )
    return backbone


def token_head(backbone: TextTransformer) -> nn.Linear:
    """The language-model head: token vector (D) -> a logit per vocabulary entry (V)."""
    return nn.Linear(backbone.dim, backbone.vocab_size)
