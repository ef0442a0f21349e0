"""Autoencoder and denoising autoencoder: squeeze the image through h and rebuild it."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.backbones.base import Backbone
from sslcore.config import ConfigError, spec
from sslcore.objectives.base import LEARNING_TEST, ImageSpec, Objective, StepOutput, Visual
from sslcore.objectives.decoder import ConvDecoder
from sslcore.objectives.fields import ObjectiveParams, decoder_width_field, mask_ratio_field
from sslcore.objectives.image_metrics import psnr

CORRUPTIONS = ("none", "gaussian", "mask")


def corrupt(
    x: Tensor,
    kind: str,
    noise_std: float,
    mask_ratio: float,
    block: int,
    generator: torch.Generator,
) -> Tensor:
    """The encoder's input x̃: x itself, x plus Gaussian noise, or x with blocks blanked out.

    Args:
        x: (B, C, H, W) images in [0, 1].
        kind: one of :data:`CORRUPTIONS`.
        noise_std: standard deviation of the noise (``gaussian``).
        mask_ratio: share of ``block``×``block`` squares set to grey (``mask``).
        block: side of a masked square in pixels; H must be divisible by it.
        generator: the source of the noise and the masks.
    """
    if kind == "none":
        return x
    if kind == "gaussian":
        noise = torch.randn(x.shape, generator=generator, device=generator.device)
        return (x + noise_std * noise.to(x)).clamp(0, 1)
    b, _, h, w = x.shape
    draws = torch.rand(b, 1, h // block, w // block, generator=generator, device=generator.device)
    keep = draws.to(x.device) >= mask_ratio
    keep = keep.repeat_interleave(block, 2).repeat_interleave(block, 3)
    return torch.where(keep, x, torch.full_like(x, 0.5))


def reconstruction_loss(x_hat: Tensor, x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """L = (1/N) Σᵢ ‖xᵢ − x̂ᵢ‖² per pixel (mean squared error, minimised), with its PSNR."""
    mse = F.mse_loss(x_hat, x)
    return mse, {"mse": mse.detach(), "psnr": psnr(mse)}


class Autoencoder(Objective):
    """Autoencoder: encode the image into h, decode h back into the image, minimise the error.

    The backbone's h is the only path from input to output, so h must keep whatever the decoder
    needs to redraw the image: here the colour, position and outline of the shape. That is also
    its weakness as a representation: it spends capacity on every pixel (background colour,
    exact position) rather than on what the image shows. The bottleneck (h is much smaller than
    the image) prevents the trivial identity map.

    With ``denoising`` the encoder sees a corrupted image x̃ (Gaussian noise, or grey blocks)
    and must rebuild the clean x: it can no longer copy, it has to know what images look like
    to fill in what is missing.

    References:
        [0] Hinton & Salakhutdinov, Reducing the Dimensionality of Data with Neural Networks,
            Science 2006, https://doi.org/10.1126/science.1127647
        [1] Vincent et al., Extracting and Composing Robust Features with Denoising
            Autoencoders, ICML 2008, https://doi.org/10.1145/1390156.1390294
    """

    name = "autoencoder"
    family = "generative"
    formula = (
        r"\mathcal{L} = \frac{1}{N} \sum_i \lVert x_i - d(e(\tilde{x}_i)) \rVert^2,"
        r"\quad \tilde{x} = x \text{ or, denoising, } \text{corrupt}(x)"
    )
    prevents_collapse = (
        "Reconstruction: the code must keep enough of the image to redraw it (the clean image, "
        "when the encoder sees a corrupted one)."
    )
    n_views = 1
    default_augment = "weak"
    recipe_measured = f"shape kNN 33.8% → 28.2% (not yet), {LEARNING_TEST}"

    @dataclass(frozen=True)
    class Config(ObjectiveParams):
        denoising: str = spec(
            "mask",
            "Corruption",
            "What the encoder sees: the clean image "
            "(none), added noise (gaussian) or grey blocks (mask).",
            choices=CORRUPTIONS,
        )
        noise_std: float = spec(
            0.2, "Noise std", "Gaussian noise added to the input.", min=0.0, max=1.0, step=0.05
        )
        mask_ratio: float = mask_ratio_field(0.5, "Share of blocks blanked out.")
        mask_block: int = spec(
            4,
            "Mask block (pixels)",
            "Side of a blanked square; the image size must be divisible by it.",
            min=1,
            max=32,
        )
        decoder_width: int = decoder_width_field()

    def __init__(self, backbone: Backbone, config: Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        if config.denoising == "mask" and image.size % config.mask_block:
            raise ConfigError(
                "objective.params.mask_block",
                f"{config.mask_block} does not divide the image size {image.size}",
            )
        self.decoder = ConvDecoder(
            backbone.out_dim, image.channels, image.size, config.decoder_width
        )

    def corrupt(self, x: Tensor) -> Tensor:
        c = self.config
        return corrupt(x, c.denoising, c.noise_std, c.mask_ratio, c.mask_block, self.generator)

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        x = views[0]
        h = self.backbone(self.corrupt(x))
        x_hat = torch.sigmoid(self.decoder(h))
        loss, components = reconstruction_loss(x_hat, x)
        return StepOutput(loss, components, embedding=h.detach())

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        """The encoder's input (corrupted when denoising) and the reconstruction."""
        x = x[:8]
        x_tilde = self.corrupt(x)
        x_hat = torch.sigmoid(self.decoder(self.backbone(x_tilde)))
        return {"input": Visual(x_tilde.clamp(0, 1)), "reconstruction": Visual(x_hat)}
