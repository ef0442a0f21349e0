"""Frozen features of documents: run an encoder over token ids, batch by batch, without gradients.

The text counterpart of :func:`sslcore.eval.features.extract_features`: the same eval-mode
handling (dropout off), for (N, L) integer token ids. :func:`extract_any_features` picks the
right one for a dataset's ``images`` tensor, so the monitor and the evaluation need not care
whether a run is about images or text.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from sslcore.augment.tokens import is_token_batch
from sslcore.eval.features import _owning_module, eval_mode, extract_features


@torch.no_grad()
def extract_text_features(
    encode: Callable[[Tensor], Tensor],
    ids: Tensor,
    device: torch.device | str = "cpu",
    batch_size: int = 512,
) -> Tensor:
    """The representation of every document, (N, d) float32 on the CPU.

    Args:
        encode: maps (B, L) token ids to (B, d) features (``objective.encode``, a backbone).
        ids: (N, L) integer token ids.
        device: where ``encode`` runs.
        batch_size: documents per forward pass.
    """
    if not is_token_batch(ids) or ids.shape[0] == 0:
        raise ValueError(f"ids must be a non-empty (N, L) integer tensor, got {tuple(ids.shape)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    chunks = []
    with eval_mode(_owning_module(encode)):
        for start in range(0, ids.shape[0], batch_size):
            h = encode(ids[start : start + batch_size].to(device))  # (B, d)
            chunks.append(h.float().cpu())
    return torch.cat(chunks)


def extract_any_features(
    encode: Callable[[Tensor], Tensor], inputs: Tensor, device: torch.device | str = "cpu"
) -> Tensor:
    """Features of images (N, C, H, W) or of token ids (N, L), whichever ``inputs`` holds."""
    if is_token_batch(inputs):
        return extract_text_features(encode, inputs, device)
    return extract_features(encode, inputs, device)
