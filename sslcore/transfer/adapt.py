"""Make images fit a backbone trained on other images: channels and size, never silently.

A backbone pretrained on RGB ``shapes`` at 32 px expects (B, 3, 32, 32); ``digits`` are 8x8 and
grey. Two explicit conversions bridge the gap, and each is reported in words so a result says
what was done to the data:

- channels: grey to RGB copies the one channel three times (a grey photo seen by an RGB network);
  RGB to grey takes the luminance 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, what PIL's ``L``
  mode uses);
- size: bilinear resizing with antialiasing (every source pixel counts when shrinking).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

from sslcore.data.dataset import ImageDataset
from sslcore.data.resize import resize_images

# ITU-R BT.601 luma weights: how bright each primary looks to the eye.
LUMINANCE = (0.299, 0.587, 0.114)


@dataclass(frozen=True)
class Adaptation:
    """What was done to a dataset's images to fit a backbone.

    Attributes:
        channels: ``"3 (unchanged)"``, ``"1 -> 3 (replicated)"`` or ``"3 -> 1 (luminance)"``.
        size: ``"32 (unchanged)"`` or ``"8 -> 32 (bilinear)"``.
    """

    channels: str
    size: str

    @property
    def changed(self) -> bool:
        return "->" in self.channels or "->" in self.size

    def as_dict(self) -> dict[str, str]:
        return {"channels": self.channels, "size": self.size}


def convert_channels(images: Tensor, channels: int) -> Tensor:
    """uint8 (N, C, H, W) images with ``channels`` channels (1 or 3).

    Raises:
        ValueError: a conversion other than 1 <-> 3 (or none) is asked for.
    """
    have = images.shape[1]
    if have == channels:
        return images
    if have == 1 and channels == 3:
        return images.expand(-1, 3, -1, -1).contiguous()
    if have == 3 and channels == 1:
        weights = torch.tensor(LUMINANCE).view(1, 3, 1, 1)
        grey = (images.float() * weights).sum(dim=1, keepdim=True)  # (N, 1, H, W)
        return grey.round_().clamp_(0, 255).to(torch.uint8)
    raise ValueError(
        f"cannot convert {have}-channel images to {channels} channels: only grey (1) <-> RGB (3)"
    )


def describe_channels(have: int, want: int) -> str:
    if have == want:
        return f"{want} (unchanged)"
    return f"{have} -> {want} ({'replicated' if have == 1 else 'luminance'})"


def describe_size(have: int | None, want: int) -> str:
    if have == want:
        return f"{want} (unchanged)"
    return f"{'mixed sizes' if have is None else have} -> {want} (bilinear)"


def adapt_images(images: Tensor, channels: int, size: int) -> tuple[Tensor, Adaptation]:
    """``images`` converted to ``channels`` and resized to ``size`` squared, and what was done.

    Args:
        images: uint8 (N, C, H, W).
        channels: the backbone's input channels (1 or 3).
        size: the backbone's image size in pixels.
    """
    adaptation = Adaptation(
        describe_channels(images.shape[1], channels), describe_size(images.shape[-1], size)
    )
    return resize_images(convert_channels(images, channels), size), adaptation


def adapt_dataset(
    dataset: ImageDataset, channels: int, size: int
) -> tuple[ImageDataset, Adaptation]:
    """A copy of ``dataset`` whose images fit a (channels, size) backbone (labels unchanged)."""
    images, adaptation = adapt_images(dataset.images, channels, size)
    return replace(dataset, images=images), adaptation
