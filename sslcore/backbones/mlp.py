"""A plain multilayer perceptron on the flattened pixels, for tiny images and first lessons."""

from __future__ import annotations

from torch import Tensor, nn

from sslcore.backbones.base import Backbone, SizeRule, check_input_size, to_signed
from sslcore.config import BackboneConfig

MLP_SIZES = SizeRule(minimum=8, reason="smaller images hold too little to learn from")


class MLPBackbone(Backbone):
    """Flatten the image, then two Linear -> BatchNorm -> ReLU layers of 8·width units.

    No convolution means no built-in notion that neighbouring pixels belong together, nor that a
    shape is the same shape one pixel to the left: everything must be learned from the data. It
    is a useful baseline to show what a convolution's inductive bias buys.

    Args:
        channels: input channels.
        image_size: the side this MLP is built for (its first layer has one weight per pixel).
        width: the hidden layers have 8·width units, which is also out_dim.
    """

    name = "mlp"

    def __init__(self, channels: int, image_size: int, width: int = 32) -> None:
        super().__init__()
        self.image_size = image_size
        hidden = 8 * width
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * image_size * image_size, hidden, bias=False),
            nn.BatchNorm1d(hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, hidden, bias=False),
            nn.BatchNorm1d(hidden),
            nn.ReLU(inplace=True),
        )
        self.out_dim = hidden

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        check_input_size(x, self.image_size, self.name)
        return self.net(to_signed(x))  # (B, 8·width)


def build_mlp(config: BackboneConfig, channels: int, image_size: int) -> Backbone:
    """Two-layer MLP on flattened pixels (8·width units): a baseline without convolutions."""
    return MLPBackbone(channels, image_size, config.width)


def mlp_sizes(config: BackboneConfig) -> SizeRule:
    return MLP_SIZES
