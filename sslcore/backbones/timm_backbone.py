"""``timm:<model>``: any model of timm (PyTorch Image Models) as the backbone.

timm holds more than a thousand image models (ResNets and their variants, ConvNeXt,
EfficientNet, ViT, Swin, ...). ``backbone.name = "timm:convnext_atto"`` builds that model with
``timm.create_model(name, pretrained=False, num_classes=0, in_chans=channels)``: random weights
(the lab trains its representations itself and never downloads), no classifier, so the model
returns its pooled features h. timm is an optional dependency: ``pip install 'ssl-lab[timm]'``.

timm's models are built for ImageNet-size photos; on the lab's 32-pixel images a CNN's last
stage sees a 1x1 map. Models with a fixed input size (ViTs: one position embedding per patch)
are built for the run's image size.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any

from torch import Tensor

from sslcore.backbones.base import Backbone, SizeRule, to_signed
from sslcore.config import BackboneConfig, ConfigError

TIMM_PREFIX = "timm:"
TIMM_SIZES = SizeRule(minimum=16, reason="timm's models downsample by up to 32")
FIELD = "backbone.name"


def timm_model_name(backbone: str) -> str:
    """``resnet10t`` for ``timm:resnet10t``."""
    return backbone.removeprefix(TIMM_PREFIX)


@lru_cache(maxsize=1)
def _timm_models() -> frozenset[str]:
    import timm  # optional, and 2-3 s to import: only for runs that name a timm model

    return frozenset(timm.list_models())


def check_timm_name(backbone: str) -> None:
    """Raise ConfigError on ``backbone.name`` unless timm is installed and knows the model."""
    model = timm_model_name(backbone)
    try:
        known = _timm_models()
    except ImportError:
        raise ConfigError(
            FIELD,
            f"{backbone!r} needs timm, which is not installed: pip install 'ssl-lab[timm]' "
            "(or pip install timm), or pick a built-in backbone",
        ) from None
    if model in known:
        return
    close = difflib.get_close_matches(model, sorted(known), n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise ConfigError(
        FIELD,
        f"{model!r} is not a timm model: {hint}timm:<model> takes one of the "
        f"{len(known)} names of timm.list_models(), e.g. timm:resnet10t or timm:convnext_atto",
    )


class TimmBackbone(Backbone):
    """A timm model without its classifier: h is its pooled, pre-logits feature vector.

    Args:
        model: the timm model name (``resnet10t``).
        channels: input channels (1 for grey, 3 for RGB).
        image_size: the side of the run's square images.
    """

    def __init__(self, model: str, channels: int, image_size: int) -> None:
        super().__init__()
        import timm  # optional (see _timm_models)

        self.name = f"{TIMM_PREFIX}{model}"
        kwargs: dict[str, Any] = {}
        pretrained_cfg = timm.get_pretrained_cfg(model)
        if pretrained_cfg is not None and pretrained_cfg.fixed_input_size:
            kwargs["img_size"] = image_size  # a ViT's position embedding fits one size
        self.net = timm.create_model(
            model, pretrained=False, num_classes=0, in_chans=channels, **kwargs
        )
        # The width of what forward returns: head_hidden_size where a model has a pre-logits
        # layer after its last stage (MobileNetV3: 1024, while num_features is 288).
        width: Any = getattr(self.net, "head_hidden_size", None) or self.net.num_features
        self.out_dim = int(width)

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return self.net(to_signed(x))  # (B, out_dim)


def build_timm(config: BackboneConfig, channels: int, image_size: int) -> Backbone:
    """Any timm model (``timm:<model>``), random weights, without its classifier."""
    check_timm_name(config.name)
    return TimmBackbone(timm_model_name(config.name), channels, image_size)


def timm_sizes(config: BackboneConfig) -> SizeRule:
    return TIMM_SIZES
