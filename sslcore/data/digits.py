"""``digits``: scikit-learn's 1,797 handwritten digits (8x8, 16 grey levels), upscaled.

The UCI optical-recognition digits ship inside scikit-learn, so this dataset is always there,
offline, and small enough to train on in seconds. The 8x8 images (values 0-16) are scaled to
0-255 and upscaled bilinearly to the run's image size (16 or 32 px are typical). There is no
official test split: a seeded ``test_fraction`` of the images is held out.
"""

from __future__ import annotations

import torch

from sslcore.data.dataset import ImageDataset
from sslcore.data.resize import resize_images

N_IMAGES = 1797
CLASSES = [str(d) for d in range(10)]


def load_digits_dataset(image_size: int) -> ImageDataset:
    """All 1,797 digits as (N, 1, image_size, image_size) uint8, labelled 0-9."""
    from sklearn.datasets import load_digits  # on first use: loading sklearn takes a second

    bunch = load_digits()
    pixels = torch.as_tensor(bunch.images, dtype=torch.float32)  # (N, 8, 8), values 0..16
    images = (pixels * (255.0 / 16.0)).round().to(torch.uint8).unsqueeze(1)
    return ImageDataset(
        name="digits",
        images=resize_images(images, image_size),
        labels=torch.as_tensor(bunch.target, dtype=torch.int64),
        classes=list(CLASSES),
    )
