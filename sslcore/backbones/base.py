"""What every backbone exposes: ``out_dim`` and a forward from images in [0, 1] to features."""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn


class Backbone(nn.Module):
    """A feature extractor f: (B, C, H, W) images in [0, 1] -> (B, out_dim) features h.

    Each backbone rescales its input to [-1, 1] itself, so objectives and viewers work with
    plain [0, 1] images everywhere.
    """

    out_dim: int
    name: str = ""

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        raise NotImplementedError


def to_signed(x: Tensor) -> Tensor:
    """Map images from [0, 1] to [-1, 1], the zero-centred range networks train best on."""
    return x * 2.0 - 1.0


def check_input_size(x: Tensor, image_size: int, name: str) -> None:
    """Raise ValueError unless ``x`` is a batch of ``image_size`` squares.

    Backbones with one weight per position (an MLP's first layer, a ViT's position embedding)
    are built for one image size; this turns a shape mismatch deep inside into a clear message.
    """
    if x.dim() != 4 or tuple(x.shape[-2:]) != (image_size, image_size):
        raise ValueError(
            f"{name} was built for (B, C, {image_size}, {image_size}) images, "
            f"got shape {tuple(x.shape)}"
        )


@dataclass(frozen=True)
class SizeRule:
    """Which square image sizes a backbone accepts: at least ``minimum``, divisible by ``multiple``.

    Attributes:
        minimum: the smallest side in pixels.
        multiple: the side must be divisible by this (a ViT's patch size); 1 means any size.
        reason: why, in a few words, shown in error messages.
    """

    minimum: int
    multiple: int = 1
    reason: str = ""

    def accepts(self, image_size: int) -> bool:
        return image_size >= self.minimum and image_size % self.multiple == 0

    def describe(self) -> str:
        """A phrase such as ``"a multiple of 4, at least 8"``."""
        if self.multiple > 1:
            return f"a multiple of {self.multiple}, at least {self.minimum}"
        return f"at least {self.minimum}"
