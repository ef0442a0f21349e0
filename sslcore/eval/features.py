"""Frozen features: run an encoder over a set of inputs, batch by batch, without gradients.

Images or token ids: the run's :class:`~sslcore.data.modality.Modality` says how a stored batch
becomes the encoder's input (floats in [0, 1], or the ids as they are).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from sslcore.data.modality import IMAGE, Modality


def _owning_module(encode: Callable[[Tensor], Tensor]) -> nn.Module | None:
    """The module behind ``encode``: the module itself, or the owner of a bound method."""
    if isinstance(encode, nn.Module):
        return encode
    owner = getattr(encode, "__self__", None)
    return owner if isinstance(owner, nn.Module) else None


@contextmanager
def eval_mode(module: nn.Module | None) -> Iterator[None]:
    """Put ``module`` in eval mode for the block and restore each submodule's mode after."""
    if module is None:
        yield
        return
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield
    finally:
        for m, training in modes:
            m.training = training


@torch.no_grad()
def extract_features(
    encode: Callable[[Tensor], Tensor],
    images: Tensor,
    device: torch.device | str = "cpu",
    batch_size: int = 512,
    modality: Modality = IMAGE,
) -> Tensor:
    """The representation of every image (or document), as the kNN, probes and maps see it.

    Eval mode is handled here: when ``encode`` is an ``nn.Module`` (a backbone) or a bound
    method of one (``objective.encode``), that module is switched to eval mode for the call
    (so BatchNorm uses its running statistics and dropout is off) and every submodule gets its
    previous mode back afterwards. A plain function is called as it is.

    Args:
        encode: maps (B, C, H, W) float images in [0, 1] to (B, d) features.
        images: (N, C, H, W) uint8 images (converted to floats in [0, 1] batch by batch on
            ``device``, so the whole set never exists in float there), or floats in [0, 1]
            (augmented views).
        device: where ``encode`` runs (its parameters must already be there).
        batch_size: images per forward pass.
        modality: what ``images`` holds; :data:`~sslcore.data.modality.TEXT` for (N, L) token
            ids, which ``encode`` reads as they are.

    Returns:
        (N, d) float32 features on the CPU.
    """
    modality.check_inputs(images)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    chunks = []
    with eval_mode(_owning_module(encode)):
        for start in range(0, images.shape[0], batch_size):
            h = encode(modality.encoder_input(images[start : start + batch_size], device))  # (B, d)
            chunks.append(h.float().reshape(h.shape[0], -1).cpu())
    if not chunks:
        raise ValueError("images is empty: there is nothing to encode")
    return torch.cat(chunks)
