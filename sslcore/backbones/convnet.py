"""A small four-block CNN: the CPU default, fast enough to watch learning happen in a minute."""

from __future__ import annotations

from torch import Tensor, nn

from sslcore.backbones.base import Backbone, SizeRule, to_signed
from sslcore.config import BackboneConfig

# Three 2x2 max-pools halve the map three times, so 8 pixels leave a 1x1 map for the last block.
CONVNET_SIZES = SizeRule(minimum=8, reason="three 2x2 poolings need at least 8 pixels")


class ConvNet(Backbone):
    """Four 3x3 conv blocks (widths w, 2w, 4w, 8w) with BatchNorm and ReLU, then average pooling.

    Blocks 1-3 end with a 2x2 max-pool, so a 32x32 image becomes 16, 8 and finally 4x4 maps of
    8w channels; global average pooling turns those into the representation h of size 8w. Each
    block doubles the channels as it halves the resolution, keeping the compute per block about
    equal (roughly 15 M multiply-adds per 32x32 image at w = 32).

    Args:
        channels: input channels (1 for grey, 3 for RGB).
        width: channels of the first block, w.
    """

    name = "convnet"

    def __init__(self, channels: int, width: int = 32) -> None:
        super().__init__()
        widths = [width, 2 * width, 4 * width, 8 * width]
        layers: list[nn.Module] = []
        in_channels = channels
        for index, out_channels in enumerate(widths):
            # No conv bias: the BatchNorm that follows subtracts the mean anyway.
            layers += [
                nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(inplace=True),
            ]
            if index < len(widths) - 1:
                layers.append(nn.MaxPool2d(2))
            in_channels = out_channels
        self.features = nn.Sequential(*layers)
        self.out_dim = widths[-1]

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        maps = self.features(to_signed(x))  # (B, 8w, H/8, W/8)
        return maps.mean(dim=(2, 3))  # (B, 8w)


def build_convnet(config: BackboneConfig, channels: int, image_size: int) -> Backbone:
    """4-block CNN (w-2w-4w-8w, BatchNorm, ReLU, max-pool): the fast CPU default."""
    return ConvNet(channels, config.width)


def convnet_sizes(config: BackboneConfig) -> SizeRule:
    return CONVNET_SIZES
