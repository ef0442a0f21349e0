"""Views of text: a random span of each document (the text crop), or the ids unchanged.

Colour, blur and flips have no meaning for token ids, and the text objectives make most of
their own randomness: MLM masks tokens inside its forward pass, and SimCSE's two views of a
sentence differ by the dropout masks of the network. One image augmentation does carry over:
the crop. ``crop_scale_min`` / ``crop_scale_max`` keep a random contiguous span of each
document covering that share of its tokens, as a random resized crop keeps a share of an
image's area; two spans of one paragraph share its subject, not its exact words (DeCLUTR,
Giorgi et al. 2021, https://arxiv.org/abs/2006.03659, samples its views the same way). With
both at 1 (the ``none`` preset) every view is the batch itself. Image batches are augmented as
usual.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from sslcore.augment.draws import uniform
from sslcore.augment.pipeline import Augmenter
from sslcore.config import AugmentConfig
from sslcore.data.modality import is_token_batch
from sslcore.data.text_tokenizers import PAD


def crop_spans(
    ids: Tensor, scale_min: float, scale_max: float, generator: torch.Generator
) -> Tensor:
    """Each row's random contiguous span of its real tokens, moved to the front, PAD after.

    Args:
        ids: (B, L) token ids, each row's real tokens first and ``PAD`` after them.
        scale_min, scale_max: the span covers a share of the row's real tokens drawn
            uniformly from this range (at least one token).
        generator: the source of the span lengths and starts.

    Returns:
        (B, L) ids on ``ids``' device.
    """
    batch, length = ids.shape
    # Everything stays on ids' device (the draws are moved there), so a GPU step never waits.
    real = (ids != PAD).sum(dim=1)
    share = uniform(generator, (batch,), scale_min, scale_max).to(ids.device)
    span = (real * share).round().long().clamp(min=1).minimum(real.clamp(min=1))
    start = (uniform(generator, (batch,), 0.0, 1.0).to(ids.device) * (real - span + 1)).long()
    position = torch.arange(length, device=ids.device)
    source = (start[:, None] + position[None, :]).clamp(max=length - 1)
    kept = position[None, :] < span[:, None]
    return torch.where(kept, ids.gather(1, source), torch.full_like(ids, PAD))


@dataclass(frozen=True)
class TextAwareAugmenter(Augmenter):
    """An :class:`Augmenter` that crops token-id batches into spans (module docstring)."""

    def __call__(self, images: Tensor, n_views: int, generator: torch.Generator) -> list[Tensor]:
        if not is_token_batch(images):
            return super().__call__(images, n_views, generator)
        low, high = self.config.crop_scale_min, self.config.crop_scale_max
        if low >= 1.0:
            return [images] * n_views
        return [crop_spans(images, low, high, generator) for _ in range(n_views)]


def build_augmenter(config: AugmentConfig) -> Augmenter:
    """The augmenter for ``config`` (token-id batches pass through; see the module docstring)."""
    if not isinstance(config, AugmentConfig):
        raise ValueError(f"config must be an AugmentConfig, got {type(config).__name__}")
    return TextAwareAugmenter(config)
