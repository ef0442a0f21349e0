"""Next-token prediction: GPT's causal language modelling, predict each token from those before."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.backbones.base import Backbone
from sslcore.config import spec
from sslcore.data.text_tokenizers import PAD, SPECIAL_TOKENS
from sslcore.objectives.base import ImageSpec, StepOutput, Visual
from sslcore.objectives.fields import ObjectiveParams
from sslcore.objectives.text_parts import (
    TEXT_RECIPE,
    TextObjective,
    TokenVisual,
    text_backbone,
    token_head,
)

VISUAL_SEED = 0


def next_token_loss(logits: Tensor, ids: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """Cross-entropy of each token given the ones before it, padding ignored.

    Args:
        logits: (B, L, V) predictions; position t predicts token t + 1.
        ids: (B, L) the tokens.

    Returns:
        The mean cross-entropy (nats per token) and its components: the perplexity
        exp(cross-entropy), "how many tokens the model hesitates between", and the accuracy of
        its most likely guess.
    """
    predicted, target = logits[:, :-1].float(), ids[:, 1:]
    real = target != PAD
    # ignore_index instead of selecting the real rows: one copy of the logits, not two.
    loss = F.cross_entropy(predicted.flatten(0, 1), target.flatten(), ignore_index=PAD)
    hits = (predicted.argmax(-1) == target) & real
    accuracy = hits.sum() / real.sum().clamp(min=1)
    return loss, {"perplexity": loss.detach().exp(), "accuracy": accuracy.detach()}


class NextToken(TextObjective):
    """Next-token prediction learns a language model: the probability of each token given the past.

    The transformer reads a sentence with causal attention (each token sees only the tokens
    before it) and predicts, at every position at once, the token that comes next. Minimising
    the cross-entropy is maximising the likelihood of the text; its exponential, the perplexity,
    says among how many tokens the model still hesitates (the vocabulary size for a random
    model, towards 1 for a perfect one). A language model can write: sampling one token at a
    time from its prediction, at a temperature that sharpens (< 1) or flattens (> 1) the
    distribution, continues a prompt. As with MLM the targets are fixed tokens, so nothing
    collapses; the representation h is the mean of the causal token vectors.

    Like MLM, it first loses the random network's bag of words and rebuilds a better one from
    context (module kNN on ``stdlib_docs``, a 64-wide model, lr 3e-3: 49.0% -> 39.3% at step
    300, 52-54% after 1,200). The recipe's weight decay is GPT-3's 0.1 [1]: the model memorises
    a small corpus within a few thousand steps, and the decay widened the gain at 2,400 steps
    from +3.0 to +5.0 points (seed 1: +7.4).

    References: [0] GPT, Radford et al. 2018, https://openai.com/research/language-unsupervised
    [1] GPT-3, Brown et al. 2020, https://arxiv.org/abs/2005.14165
    """

    name = "next_token"
    family = "generative"
    formula = (
        r"\mathcal{L} = -\frac{1}{T} \sum_{t=1}^{T} \log p_\theta\big(x_t \mid x_{<t}\big)"
        r"\qquad \text{perplexity} = e^{\mathcal{L}}"
    )
    prevents_collapse = (
        "A prediction target: every token is guessed from the ones before it (a causal mask "
        "hides the future), so the model must learn how the language goes on."
    )
    n_views = 1
    recipe = TEXT_RECIPE | {"optim.weight_decay": 0.1}

    @dataclass(frozen=True)
    class Config(ObjectiveParams):
        """Next-token prediction's hyperparameters (the sampling ones only change the pictures)."""

        sample_temperature: float = spec(
            0.8,
            "Sampling temperature",
            "Divides the logits when the model writes: low is safe and repetitive, high is "
            "adventurous and garbled.",
            min=0.05,
            max=2.0,
            step=0.05,
        )
        prompt_tokens: int = spec(
            16,
            "Prompt tokens",
            "How many tokens of a held-out sentence the model is given before it writes on.",
            min=1,
            max=256,
        )

    def __init__(self, backbone: Backbone, config: NextToken.Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        self.text = text_backbone(backbone, self.name)
        self.head = token_head(self.text)

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        ids = views[0]
        tokens = self.text.forward_tokens(ids, causal=True)  # (B, L, D)
        loss, components = next_token_loss(self.head(tokens), ids)
        return StepOutput(loss, components, self.text.pool(tokens, ids).detach())

    def encode(self, x: Tensor) -> Tensor:
        """h: the mean of the causal token vectors over the real tokens, (B, D)."""
        return self.text.pool(self.text.forward_tokens(x, causal=True), x)

    @torch.no_grad()
    def sample(
        self, prompt: Tensor, length: int, temperature: float, generator: torch.Generator
    ) -> Tensor:
        """Continue (N, P) prompt ids to (N, ``length``) by sampling one token at a time.

        Special tokens (padding, mask, unknown) are never sampled.
        """
        ids = prompt.long()
        while ids.shape[1] < length:
            logits = self.head(self.text.forward_tokens(ids, causal=True)[:, -1]).float()
            logits[:, : len(SPECIAL_TOKENS)] = float("-inf")
            probs = torch.softmax(logits / temperature, dim=-1)  # (N, V)
            ids = torch.cat([ids, torch.multinomial(probs, 1, generator=generator)], dim=1)
        return ids

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        """Each held-out sentence's first tokens, continued by the model at the set temperature."""
        ids = x.long()
        prompt_length = min(self.config.prompt_tokens, ids.shape[1] - 1)
        generator = torch.Generator(ids.device).manual_seed(VISUAL_SEED)
        written = self.sample(
            ids[:, :prompt_length], ids.shape[1], self.config.sample_temperature, generator
        )
        highlight = torch.zeros_like(written, dtype=torch.bool)
        highlight[:, prompt_length:] = True
        captions = [
            f"sentence {i + 1}: written at temperature {self.config.sample_temperature:g}"
            for i in range(ids.shape[0])
        ]
        return {"samples": TokenVisual(written, captions, highlight)}
