"""Perplexity: how surprised a language model is by text it has not trained on.

A language model assigns a probability to each token of a document. Its cross-entropy on held-out
text is the mean of −log p(token) in nats, and the perplexity is exp(cross-entropy): the number of
equally likely tokens the model is, on average, still choosing between. A model that knows
nothing has the vocabulary size as its perplexity; one that knows everything has 1.

- ``next_token`` (GPT): every token is predicted from the tokens before it.
- ``mlm`` (BERT): only the masked tokens are predicted, from both sides, so its figure is the
  perplexity of the masked tokens (lower than a left-to-right model's: it sees more context).
  The masks are drawn from a fixed seed, so the figure is comparable across steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import torch
from torch import Tensor

from sslcore.eval.features import eval_mode
from sslcore.objectives import Objective

LANGUAGE_MODELS = ("mlm", "next_token")
MASK_SEED = 0


@torch.no_grad()
def held_out_perplexity(
    objective: Objective,
    ids: Tensor,
    device: torch.device | str = "cpu",
    batch_size: int = 256,
    autocast: Callable[[], AbstractContextManager] = nullcontext,
) -> float:
    """exp(mean cross-entropy) of a language-model objective on (N, L) held-out token ids.

    The objective's own loss (cross-entropy in nats) is averaged over batches, weighted by
    their size, in eval mode (no dropout); randomness inside the loss (MLM's masks) comes from
    a fixed seed and the objective's generator is given back afterwards.

    Raises:
        ValueError: the objective is not a language model (see :data:`LANGUAGE_MODELS`), or
            ``ids`` is empty.
    """
    if objective.name not in LANGUAGE_MODELS:
        raise ValueError(
            f"perplexity needs a language model ({', '.join(LANGUAGE_MODELS)}), "
            f"not {objective.name}"
        )
    if ids.shape[0] == 0:
        raise ValueError("ids is empty: there is no text to score")
    own_generator = objective.generator
    objective.generator = torch.Generator(device).manual_seed(MASK_SEED)
    total, count = 0.0, 0
    try:
        with eval_mode(objective):
            for start in range(0, ids.shape[0], batch_size):
                batch = ids[start : start + batch_size].to(device)
                with autocast():
                    loss = objective([batch]).loss
                total += float(loss) * batch.shape[0]
                count += batch.shape[0]
    finally:
        objective.generator = own_generator
    return math.exp(total / count)
