"""The augmenter: a batch of images in, ``n_views`` independently augmented batches out.

Order of the stages, as in SimCLR and BYOL (and torchvision/lightly transforms built for them):
crop + flip + rotation (one warp), colour jitter, grayscale, Gaussian blur, solarize, random
erasing, Gaussian noise. Stages whose settings change nothing are skipped.

All views are made in one pass: the batch is repeated ``n_views`` times, view-major, so
``(V*B, C, H, W)`` rows go through every stage together and each row (each image of each view)
draws its own parameters. Every random number comes from the generator the caller passes (see
:mod:`sslcore.augment.draws`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from sslcore.augment.blur import random_blur
from sslcore.augment.color import random_grayscale, random_solarize
from sslcore.augment.color_jitter import random_color_jitter
from sslcore.augment.erasing import random_erasing
from sslcore.augment.geometry import geometry_is_identity, random_geometry
from sslcore.augment.noise import add_noise
from sslcore.config import AugmentConfig

# BYOL's asymmetric pair (Grill et al., 2020, Table 6): the first view is always blurred and
# never solarized; the second (and any further view) is blurred with p=0.1, solarized with p=0.2.
# With blur_prob 0 no view is blurred (lightly's CIFAR-10 recipe: no blur on 32x32 photographs).
ASYMMETRIC_BLUR_PROB = (1.0, 0.1)
ASYMMETRIC_SOLARIZE_PROB = (0.0, 0.2)


def as_unit_float(images: Tensor) -> Tensor:
    """Check a (B, C, H, W) batch and return it as floats in [0, 1].

    uint8 images are divided by 255; float images must already lie in [0, 1].

    Raises:
        ValueError: naming what is wrong with the shape, channels, dtype or range.
    """
    if not isinstance(images, Tensor):
        raise ValueError(f"images must be a torch.Tensor, got {type(images).__name__}")
    if images.dim() != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"images must have shape (B, C, H, W) with C = 1 or 3, got {tuple(images.shape)}"
        )
    if images.dtype == torch.uint8:
        return images.float().div_(255.0)
    if not images.is_floating_point():
        raise ValueError(f"images must be uint8 or floating point, got {images.dtype}")
    if images.numel() and (images.min() < 0 or images.max() > 1):
        raise ValueError(
            "float images must lie in [0, 1], got values from "
            f"{images.min().item():g} to {images.max().item():g}"
        )
    return images


@dataclass(frozen=True)
class Augmenter:
    """Makes independently augmented views of a batch, following an :class:`AugmentConfig`.

    Example:
        >>> augment = build_augmenter(preset("simclr"))
        >>> x1, x2 = augment(images, n_views=2, generator=torch.Generator().manual_seed(0))

    With ``config.asymmetric`` (BYOL), ``blur_prob`` and ``solarize_prob`` are replaced per view:
    view 1 is always blurred and never solarized, views 2+ are blurred with p=0.1 and solarized
    with p=0.2; a ``blur_prob`` of 0 keeps every view unblurred (the ``photo_byol`` preset).
    """

    config: AugmentConfig

    def __call__(self, images: Tensor, n_views: int, generator: torch.Generator) -> list[Tensor]:
        """Augment ``images`` ``n_views`` times.

        Args:
            images: (B, C, H, W) uint8, or float in [0, 1]; C = 1 or 3; any device.
            n_views: how many views of each image to make (at least 1).
            generator: the source of all randomness (a CPU generator is fine for GPU images;
                the small parameter draws stay on it, see :mod:`sslcore.augment.draws`).

        Returns:
            ``n_views`` float tensors (B, C, H, W) in [0, 1] on the images' device; every image
            of every view has its own random parameters.
        """
        if isinstance(n_views, bool) or not isinstance(n_views, int) or n_views < 1:
            raise ValueError(f"n_views must be a positive integer, got {n_views!r}")
        if not isinstance(generator, torch.Generator):
            raise ValueError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        x = as_unit_float(images)
        batch, _, height, width = x.shape
        x = x.repeat(n_views, 1, 1, 1)  # (V*B, C, H, W), rows v*B..(v+1)*B-1 are view v
        c = self.config
        crop_scale = (c.crop_scale_min, c.crop_scale_max)
        if not geometry_is_identity(crop_scale, c.flip_prob, c.rotation_degrees, height, width):
            x = random_geometry(x, generator, crop_scale, c.flip_prob, c.rotation_degrees)
        if (c.color_jitter_strength > 0 or c.hue_jitter > 0) and c.color_jitter_prob > 0:
            x = random_color_jitter(
                x, generator, c.color_jitter_strength, c.color_jitter_prob, c.hue_jitter
            )
        if c.grayscale_prob > 0:
            x = random_grayscale(x, generator, c.grayscale_prob)
        blur_prob, solarize_prob = self._per_view_probs(n_views, batch)
        if blur_prob.any():
            x = random_blur(x, generator, blur_prob)
        if solarize_prob.any():
            x = random_solarize(x, generator, solarize_prob)
        if c.erasing_prob > 0:
            x = random_erasing(x, generator, c.erasing_prob)
        if c.noise_std > 0:
            x = add_noise(x, generator, c.noise_std)
        return list(x.split(batch))

    def _per_view_probs(self, n_views: int, batch: int) -> tuple[Tensor, Tensor]:
        """(V*B,) blur and solarize probabilities of every row (BYOL's pair when asymmetric)."""
        c = self.config
        if c.asymmetric:
            blur = [ASYMMETRIC_BLUR_PROB[min(v, 1)] if c.blur_prob else 0.0 for v in range(n_views)]
            solarize = [ASYMMETRIC_SOLARIZE_PROB[min(v, 1)] for v in range(n_views)]
        else:
            blur, solarize = [c.blur_prob] * n_views, [c.solarize_prob] * n_views
        per_view = torch.tensor([blur, solarize])  # (2, V)
        blur_rows, solarize_rows = per_view.repeat_interleave(batch, dim=1)  # (2, V*B)
        return blur_rows, solarize_rows


def build_augmenter(config: AugmentConfig) -> Augmenter:
    """The augmenter for ``config`` (validated on construction of the config)."""
    if not isinstance(config, AugmentConfig):
        raise ValueError(f"config must be an AugmentConfig, got {type(config).__name__}")
    return Augmenter(config)
