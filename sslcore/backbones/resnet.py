"""ResNet-18/34/50 with the CIFAR stem, for small images.

torchvision's ResNets start with a 7x7 stride-2 convolution and a stride-2 max-pool, made for
224-pixel ImageNet photos: on a 32x32 image they leave an 8x8 map before the first residual stage
and throw most of the detail away. The CIFAR stem used by SimCLR and most SSL papers at this
scale keeps the resolution: one 3x3 stride-1 convolution and no max-pool, so the four stages see
32, 16, 8 and 4 pixel maps.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor, nn
from torchvision.models import resnet18, resnet34, resnet50
from torchvision.models.resnet import ResNet as TorchvisionResNet

from sslcore.backbones.base import Backbone, SizeRule, to_signed
from sslcore.config import BackboneConfig

# Stages 2-4 halve the map three times: 16 pixels still leave a 2x2 map for the last stage.
RESNET_SIZES = SizeRule(minimum=16, reason="the last stage needs at least a 2x2 map")


class ResNet(Backbone):
    """A torchvision ResNet with the CIFAR stem and no classifier: h is the pooled last stage.

    Args:
        name: the registry name (``resnet18``, ``resnet34`` or ``resnet50``).
        constructor: the torchvision builder of that depth.
        channels: input channels (1 for grey, 3 for RGB).
    """

    def __init__(
        self, name: str, constructor: Callable[..., TorchvisionResNet], channels: int
    ) -> None:
        super().__init__()
        self.name = name
        net = constructor(weights=None)
        net.conv1 = nn.Conv2d(channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
        # The same initialisation torchvision gives its own convolutions.
        nn.init.kaiming_normal_(net.conv1.weight, mode="fan_out", nonlinearity="relu")
        net.maxpool = nn.Identity()
        self.out_dim = net.fc.in_features  # 512 for ResNet-18/34, 2048 for ResNet-50
        net.fc = nn.Identity()
        self.net = net

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return self.net(to_signed(x))  # (B, out_dim)


def build_resnet18(config: BackboneConfig, channels: int, image_size: int) -> Backbone:
    """ResNet-18 with the CIFAR stem (3x3 conv, no max-pool); the standard SSL benchmark net."""
    return ResNet("resnet18", resnet18, channels)


def build_resnet34(config: BackboneConfig, channels: int, image_size: int) -> Backbone:
    """ResNet-34 with the CIFAR stem: deeper basic blocks, same 512-d features as ResNet-18."""
    return ResNet("resnet34", resnet34, channels)


def build_resnet50(config: BackboneConfig, channels: int, image_size: int) -> Backbone:
    """ResNet-50 with the CIFAR stem: bottleneck blocks, 2048-d features; slow on a CPU."""
    return ResNet("resnet50", resnet50, channels)


def resnet_sizes(config: BackboneConfig) -> SizeRule:
    return RESNET_SIZES
