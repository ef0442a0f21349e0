"""``sslcore.load_backbone(run)``: a run's trained backbone, ready for use outside the lab."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from sslcore import checkpoint
from sslcore.backbones import Backbone
from sslcore.data.resize import resize_images
from sslcore.export.torchvision_format import MEAN, STD
from sslcore.store import RunStore
from sslcore.transfer.adapt import convert_channels


class TrainedBackbone(nn.Module):
    """A trained backbone with the preprocessing its training used, in eval mode.

    ``forward`` takes a float batch (B, channels, input_size, input_size) with values in [0, 1]
    and returns the representation h, (B, out_dim): the features the lab's kNN, probes and
    embedding map read. The normalisation to [-1, 1] happens inside ``forward``; ``mean`` and
    ``std`` say what it is ((x - 0.5) / 0.5 per channel), so a torchvision export, which leaves
    it to the caller, can be fed the same way. ``preprocess`` turns one image of any size into
    the input ``forward`` wants, exactly as the lab prepared its datasets.

    Attributes:
        backbone: the lab's backbone module (its weights, names and ``out_dim``).
        out_dim: the size of h.
        channels: 1 (grey) or 3 (RGB).
        input_size: the side of the square images, in pixels.
        mean, std: the per-channel normalisation ``forward`` applies to [0, 1] images.
    """

    def __init__(self, backbone: Backbone, channels: int, input_size: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.out_dim = backbone.out_dim
        self.channels = channels
        self.input_size = input_size
        self.mean = (MEAN,) * channels
        self.std = (STD,) * channels
        self.eval()

    def forward(self, x: Tensor) -> Tensor:
        return self.backbone(x)  # (B, out_dim)

    def preprocess(self, image: Any) -> Tensor:
        """One image -> (channels, input_size, input_size) float in [0, 1].

        Accepts a PIL image or a uint8 array/tensor shaped (H, W), (H, W, C) or (C, H, W). Like
        the lab's datasets and transfer evaluations: converted to the backbone's channels (grey
        copied to RGB, RGB to luminance), the largest centred square cut out, resized bilinearly
        with antialiasing.
        """
        if hasattr(image, "convert"):  # a PIL image
            image = np.asarray(image.convert("L" if self.channels == 1 else "RGB"))
        pixels = torch.as_tensor(np.array(image), dtype=torch.uint8)  # a copy: PIL is read-only
        if pixels.ndim == 2:
            pixels = pixels.unsqueeze(0)  # (1, H, W)
        elif pixels.shape[-1] in (1, 3, 4) and pixels.shape[0] not in (1, 3, 4):
            pixels = pixels.permute(2, 0, 1)  # (H, W, C) -> (C, H, W)
        batch = convert_channels(pixels[:3].unsqueeze(0), self.channels)  # alpha dropped
        return resize_images(batch, self.input_size)[0].float() / 255.0


def load_backbone(run_dir: str | Path, map_location: str | torch.device = "cpu") -> TrainedBackbone:
    """The trained backbone of a run directory (``checkpoints/last.pt``), in eval mode.

    Example::

        import sslcore
        from PIL import Image

        model = sslcore.load_backbone("runs/simclr-20260101-120000-ab12")
        x = model.preprocess(Image.open("cat.png")).unsqueeze(0)  # (1, C, S, S) in [0, 1]
        h = model(x)  # (1, model.out_dim)
    """
    state = checkpoint.load_checkpoint(RunStore(Path(run_dir)).checkpoint_path(), map_location)
    backbone, _ = checkpoint.trained_backbone(state)
    return TrainedBackbone(backbone, state["image"]["channels"], state["image"]["size"])
