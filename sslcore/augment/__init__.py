"""Augmentations: batched, with independent random parameters for every image and every view.

A pretext task is only as good as its views: the augmentations decide what the network must
ignore (crop position, colour, blur) and so what it learns. Use :func:`build_augmenter` with an
:class:`~sslcore.config.AugmentConfig` (or :func:`preset`), then call the augmenter with a batch,
the number of views and a ``torch.Generator``; :func:`preview` renders a grid for the UI.

Everything runs as batched tensor operations (one affine warp for crop, flip and rotation;
vectorised colour operations; grouped convolutions for the blur), so augmentation keeps up with a
training step on the CPU, and on a GPU it runs where the images are. Each file holds one idea:
geometry, color (pixel-value ops), color_jitter, blur, erasing, noise, draws (randomness),
pipeline (the order), presets and preview; text batches (token ids) pass through (tokens).
"""

from sslcore.augment.pipeline import Augmenter
from sslcore.augment.presets import PRESET_SETTINGS, preset
from sslcore.augment.preview import preview
from sslcore.augment.tokens import build_augmenter

__all__ = ["Augmenter", "PRESET_SETTINGS", "build_augmenter", "preset", "preview"]
