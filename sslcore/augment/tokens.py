"""Text passes through: the views of a batch of token ids are copies of it.

Image augmentations (crops, colour) have no meaning for token ids, and the text objectives make
their own randomness: MLM masks tokens inside its forward pass, and SimCSE's two views of a
sentence differ only by the dropout masks of the network. So for a (B, L) integer batch the
augmenter returns ``n_views`` references to the same ids; image batches are augmented as usual.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from sslcore.augment.pipeline import Augmenter
from sslcore.config import AugmentConfig


def is_token_batch(x: Tensor) -> bool:
    """A (B, L) batch of integer token ids (images are (B, C, H, W))."""
    return x.dim() == 2 and not x.is_floating_point() and x.dtype != torch.uint8


@dataclass(frozen=True)
class TextAwareAugmenter(Augmenter):
    """An :class:`Augmenter` that hands token-id batches through unchanged."""

    def __call__(self, images: Tensor, n_views: int, generator: torch.Generator) -> list[Tensor]:
        if is_token_batch(images):
            return [images] * n_views
        return super().__call__(images, n_views, generator)


def build_augmenter(config: AugmentConfig) -> Augmenter:
    """The augmenter for ``config`` (token-id batches pass through; see the module docstring)."""
    if not isinstance(config, AugmentConfig):
        raise ValueError(f"config must be an AugmentConfig, got {type(config).__name__}")
    return TextAwareAugmenter(config)
