"""Colorization: predict the colours of an image from its grey version."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sslcore.backbones.base import Backbone
from sslcore.objectives.base import LEARNING_TEST, ImageSpec, Objective, StepOutput, Visual
from sslcore.objectives.decoder import ConvDecoder
from sslcore.objectives.fields import ObjectiveParams, decoder_width_field
from sslcore.objectives.image_metrics import psnr

# ITU-R BT.601 luma weights and the YUV chroma scales.
LUMA = (0.299, 0.587, 0.114)
U_SCALE, V_SCALE = 0.492, 0.877


def rgb_to_yuv(x: Tensor) -> tuple[Tensor, Tensor]:
    """(B, 3, H, W) RGB in [0, 1] -> luminance Y (B, 1, H, W) and chroma UV (B, 2, H, W).

    U = 0.492 (B − Y) and V = 0.877 (R − Y): zero for grey pixels, signed for colours.
    """
    r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    y = LUMA[0] * r + LUMA[1] * g + LUMA[2] * b
    return y, torch.cat([U_SCALE * (b - y), V_SCALE * (r - y)], dim=1)


def yuv_to_rgb(y: Tensor, uv: Tensor) -> Tensor:
    """The inverse of :func:`rgb_to_yuv`, clamped to [0, 1]."""
    b = y + uv[:, 0:1] / U_SCALE
    r = y + uv[:, 1:2] / V_SCALE
    g = (y - LUMA[0] * r - LUMA[2] * b) / LUMA[1]
    return torch.cat([r, g, b], dim=1).clamp(0, 1)


def chroma_loss(uv_hat: Tensor, uv: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """L = mean ‖uv − ûv‖² over pixels: regression of the chroma channels, minimised."""
    mse = F.mse_loss(uv_hat, uv)
    return mse, {"chroma_mse": mse.detach()}


class Colorization(Objective):
    """Colorization: from the luminance of an image, predict its two chroma channels.

    The backbone sees only the grey image (luminance replicated to three channels) and its h is
    decoded into the chroma (U, V of YUV) at every pixel; the luminance is joined to the
    decoder's last layer so colours can follow the edges, but *which* colour must come from h.
    To colour a grey shape correctly the network has to recognise what it is and where it is,
    and how brightness relates to hue. Nothing trivial is available: the colour is removed
    from the input, so it cannot be copied. Regression to the mean gives greyish colours when
    several hues are plausible; the paper fixes that with classification over colour bins,
    regression is kept here for clarity.

    Needs colour images: on one-channel data (digits, MNIST) there is no colour to predict,
    so it refuses to build.

    References:
        [0] Zhang, Isola & Efros, Colorful Image Colorization, 2016,
            https://arxiv.org/abs/1603.08511
    """

    name = "colorization"
    family = "generative"
    formula = r"\mathcal{L} = \frac{1}{N} \sum_i \lVert ab_i - h(L_i) \rVert^2"
    prevents_collapse = "Prediction of the colour channels from the lightness channel."
    n_views = 1
    # No colour jitter or grayscale: the colours are the target.
    default_augment = "weak"
    recipe_measured = f"shape kNN 49.0% → 31.0% on grey input (not yet), {LEARNING_TEST}"

    @dataclass(frozen=True)
    class Config(ObjectiveParams):
        decoder_width: int = decoder_width_field()

    def __init__(self, backbone: Backbone, config: Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        if image.channels != 3:
            raise ValueError(
                f"colorization needs RGB images (3 channels), but the dataset has "
                f"{image.channels}: there is no colour to predict; pick a colour dataset "
                "(shapes, cifar10) or another objective"
            )
        self.decoder = ConvDecoder(backbone.out_dim, 2, image.size, config.decoder_width)
        hidden = self.decoder.upsample.out_channels
        self.colour = nn.Sequential(
            nn.Conv2d(hidden + 1, 32, 3, padding=1), nn.GELU(), nn.Conv2d(32, 2, 3, padding=1)
        )

    @staticmethod
    def grey(y: Tensor) -> Tensor:
        """The luminance replicated to the three channels the backbone expects."""
        return y.expand(-1, 3, -1, -1)

    def _predict(self, y: Tensor) -> tuple[Tensor, Tensor]:
        h = self.backbone(self.grey(y))
        features = self.decoder.features(h)  # (B, hidden, H, W)
        return self.colour(torch.cat([features, y], dim=1)), h

    def encode(self, x: Tensor) -> Tensor:
        """h of the grey image: the backbone was trained on luminance only."""
        return self.backbone(self.grey(rgb_to_yuv(x)[0]))

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        y, uv = rgb_to_yuv(views[0])
        uv_hat, h = self._predict(y)
        loss, components = chroma_loss(uv_hat, uv)
        rgb_mse = F.mse_loss(yuv_to_rgb(y, uv_hat.detach()), views[0])
        components["psnr"] = psnr(rgb_mse)
        return StepOutput(loss, components, embedding=h.detach())

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        """The grey input, the colours predicted for it, and the original."""
        x = x[:8]
        y, _ = rgb_to_yuv(x)
        uv_hat, _ = self._predict(y)
        return {
            "grey_input": Visual(self.grey(y).clamp(0, 1)),
            "predicted_colour": Visual(yuv_to_rgb(y, uv_hat)),
            "original": Visual(x),
        }
