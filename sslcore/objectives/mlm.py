"""MLM: BERT's masked language modelling, hide some tokens and predict them from the rest."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.backbones.base import Backbone
from sslcore.data.text_tokenizers import MASK, PAD, SPECIAL_TOKENS
from sslcore.objectives.base import ImageSpec, StepOutput, Visual
from sslcore.objectives.fields import ObjectiveParams, mask_ratio_field
from sslcore.objectives.text_parts import (
    TEXT_RECIPE,
    TextObjective,
    TokenVisual,
    text_backbone,
    token_head,
)

VISUAL_SEED = 0  # the same masks in every snapshot, so the guesses can be compared over time


def mask_tokens(
    ids: Tensor, mask_ratio: float, vocab_size: int, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """BERT's corruption: choose ``mask_ratio`` of the real tokens; of those, 80% become
    ``MASK``, 10% a random token and 10% stay as they are (so the model cannot rely on seeing
    ``MASK`` at test time). At least one token per sentence is chosen.

    Args:
        ids: (B, L) token ids (``PAD`` is never chosen).
        mask_ratio: the share of real tokens to predict.
        vocab_size: V, for the random replacements.
        generator: the source of randomness (on ``ids``' device).

    Returns:
        ``(corrupted, chosen)``: the (B, L) input ids and the (B, L) bool mask of the tokens
        whose original id is the target.
    """
    real = ids != PAD
    noise = torch.rand(ids.shape, generator=generator, device=ids.device)
    noise = noise.masked_fill(~real, 2.0)  # padding is never chosen
    chosen = (noise < mask_ratio) & real
    chosen |= (noise == noise.min(dim=1, keepdim=True).values) & real  # at least one per row
    action = torch.rand(ids.shape, generator=generator, device=ids.device)
    first = len(SPECIAL_TOKENS)
    random_ids = torch.randint(
        first, max(vocab_size, first + 1), ids.shape, generator=generator, device=ids.device
    )
    corrupted = torch.where(chosen & (action < 0.8), torch.full_like(ids, MASK), ids)
    corrupted = torch.where(chosen & (action >= 0.8) & (action < 0.9), random_ids, corrupted)
    return corrupted, chosen


class MLM(TextObjective):
    """Masked language modelling learns what words mean from the words around them.

    A share of the tokens of each sentence is hidden (mostly replaced by a ``<mask>`` token) and
    the transformer, which sees the whole sentence in both directions, predicts each hidden
    token from its context with a softmax over the vocabulary. To fill "the event ▢ runs the
    tasks" it must know that "loop" goes with "event" and "tasks": the token vectors come to
    encode meaning and syntax. Nothing can collapse: the targets are fixed tokens, not the
    network's own outputs. The mask ratio trades signal (more predictions per sentence) against
    context (less left to predict from); BERT used 15%, and 40% trains faster [1]. So does the
    lab's recipe: with a 64-wide transformer on ``stdlib_docs`` (words, 2,400 steps at lr 3e-3)
    the module kNN went 47.7% -> 58.0% with 40% masked, 47.7% -> 46.0% with 15%.

    Watch the kNN curve: a randomly initialised transformer's mean-pooled vector is a random
    projection of the bag of words, a strong topic feature. MLM first *loses* it (47.7% -> 36.7%
    at step 300: the vectors gain a direction shared by every sentence, as the frequent words'
    statistics are learned first; subtracting the mean vector gives most of it back) and only
    then builds a better one from context (46% at step 900, 53% at 1,200).

    References: [0] BERT, Devlin et al. 2019, https://arxiv.org/abs/1810.04805
    [1] Should You Mask 15% in Masked Language Modeling?, Wettig et al. 2023,
    https://arxiv.org/abs/2202.08005
    """

    name = "mlm"
    family = "predictive"
    formula = (
        r"\mathcal{L} = -\frac{1}{|M|} \sum_{i \in M} \log p_\theta\big(x_i \mid \tilde{x}\big)"
        r"\qquad M = \text{15\% of the tokens; in } \tilde{x}\text{: 80\% [MASK], 10\% random, "
        r"10\% kept}"
    )
    prevents_collapse = (
        "A prediction target: the hidden words must be guessed from both sides, and a "
        "constant output cannot name them. Perplexity exp(ℒ) shows how well it guesses."
    )
    n_views = 1
    recipe = TEXT_RECIPE | {"objective.params.mask_ratio": 0.4}

    @dataclass(frozen=True)
    class Config(ObjectiveParams):
        """MLM's hyperparameters."""

        mask_ratio: float = mask_ratio_field(
            0.15,
            "Share of the tokens of each sentence hidden and predicted (BERT: 0.15).",
            min=0.05,
            max=0.8,
        )

    def __init__(self, backbone: Backbone, config: MLM.Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        self.text = text_backbone(backbone, self.name)
        self.head = token_head(self.text)

    def _logits(self, ids: Tensor) -> tuple[Tensor, Tensor]:
        tokens = self.text.forward_tokens(ids)  # (B, L, D)
        return self.head(tokens), tokens  # (B, L, V)

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        ids = views[0]
        corrupted, chosen = mask_tokens(
            ids, self.config.mask_ratio, self.text.vocab_size, self.generator
        )
        tokens = self.text.forward_tokens(corrupted)  # (B, L, D)
        # Only the hidden tokens are predicted, so only their vectors go through the head
        # (a V-wide layer: most of a small model's compute).
        logits, target = self.head(tokens[chosen]).float(), ids[chosen]  # (M, V), (M,)
        loss = F.cross_entropy(logits, target)
        accuracy = (logits.argmax(-1) == target).float().mean()
        h = self.text.pool(tokens, ids).detach()
        return StepOutput(loss, {"masked_accuracy": accuracy.detach()}, h)

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        """Each sentence three times: with its masks, as the model fills them, and the truth."""
        ids = x.long()
        generator = torch.Generator(ids.device).manual_seed(VISUAL_SEED)
        _, chosen = mask_tokens(ids, self.config.mask_ratio, self.text.vocab_size, generator)
        shown = torch.where(chosen, torch.full_like(ids, MASK), ids)  # every chosen token hidden
        guesses = self._logits(shown)[0].argmax(-1)
        filled = torch.where(chosen, guesses, ids)
        rows = torch.stack([shown, filled, ids], dim=1).flatten(0, 1)  # (3N, L)
        captions = [
            f"sentence {i + 1}: {kind}"
            for i in range(ids.shape[0])
            for kind in ("masked", "the model's guesses", "original")
        ]
        highlight = chosen.repeat_interleave(3, dim=0)
        return {"guesses": TokenVisual(rows, captions, highlight)}
