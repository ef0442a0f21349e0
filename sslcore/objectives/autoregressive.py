"""Autoregressive image modelling: predict every pixel from the ones before it."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sslcore.backbones.base import Backbone
from sslcore.config import spec
from sslcore.objectives.base import LEARNING_TEST, ImageSpec, Objective, StepOutput, Visual
from sslcore.objectives.fields import ObjectiveParams, samples_field
from sslcore.objectives.image_metrics import bits_per_dim
from sslcore.objectives.pixelcnn import PixelCNN


def quantize_pixels(x: Tensor, levels: int, resolution: int) -> Tensor:
    """Images in [0, 1] -> (B, C, r, r) integer intensities in [0, levels), area-downsampled."""
    if x.shape[-1] != resolution:
        x = F.interpolate(x, size=(resolution, resolution), mode="area")
    return (x * levels).long().clamp(0, levels - 1)


def autoregressive_loss(logits: Tensor, q: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """L = −(1/D) Σᵢ log p(xᵢ | x_{<i}) per dimension (nats), and the same in bits per dim."""
    nll = F.cross_entropy(logits, q)
    return nll, {"nll": nll.detach(), "bits_per_dim": bits_per_dim(nll)}


def drop_conditions(h: Tensor, null: Tensor, p: float, generator: torch.Generator) -> Tensor:
    """h (B, d) with each row replaced, with probability p, by the null condition (d,)."""
    drop = torch.rand(len(h), generator=generator, device=generator.device) < p  # (B,)
    return torch.where(drop.to(h.device).unsqueeze(1), null.to(h.dtype), h)


class Autoregressive(Objective):
    """Autoregressive modelling with a PixelCNN conditioned on the backbone's representation.

    The image is downsampled to ``resolution`` and quantised to ``levels`` intensities; a small
    PixelCNN predicts each pixel from the pixels above and to its left (masked convolutions),
    minimising −Σᵢ log p(xᵢ | x_{<i}, h); the figure to watch is bits per dimension. Sampling
    pixel by pixel draws new images.

    How the backbone learns: a PixelCNN alone learns no vector representation. Here it is
    conditioned on h = f(x), the backbone's features of the whole image, added as a bias to
    every layer: a PixelCNN auto-encoder (van den Oord et al. 2016, §3.4). The local, causal
    convolutions see only a small neighbourhood of earlier pixels, so to predict where an edge
    will appear or what colour the shape below will have, they need the global summary h: the
    backbone is pushed to encode the shape's colour, place and outline. ``encode(x)`` is h.
    Nothing trivial is possible: h is a small vector for a whole image, and the model is scored
    on the likelihood of every pixel. The samples in the visuals are drawn with the h of real
    images, so they show what h remembers of each image.

    Drawing from nothing (condition dropout): during training each image's h is replaced, with
    probability ``uncond_prob``, by a learned null vector, so one network learns both
    p(x | h) and p(x) without any h, as classifier-free guidance trains its diffusion model
    with the condition dropped (Ho & Salimans 2022). The null is a learned vector, not zeros: a
    real image's h may itself be zero or near it (ReLU features are often zero), so zeros
    would mean both "this image" and "no image", while a learned vector can sit where no real
    h lies. The ``unconditional`` picture starts from an empty canvas, the null condition in
    place of h, and draws every pixel from what the model learnt of images in general, but of
    no particular image. Side by side with the conditional samples it shows what h adds: the
    colour and place of the shape. The dropped rows still count in the loss, and their
    gradient trains the PixelCNN and the null vector but not the backbone.

    Sampling temperature (a choice at drawing time only; training is unchanged): each draw takes
    the softmax of logits / T with T = ``temperature``, 1 by default: the model's own
    distribution. T < 1 sharpens every choice, trading variety for fidelity, the common practice
    when sampling autoregressive models (the truncation trick of BigGAN, Brock et al. 2018,
    makes the same trade for a GAN); here it empties canvases, since the likeliest value of a
    shape's first pixel is always the background.

    Measured on shapes (BENCHMARKS.md, "Samples a class remembers"): the defaults (300 steps,
    16×16) drew dark backgrounds with specks (at 16×16 a shape's first pixel is a rare event a
    few minutes do not learn); the lesson recipe models 8×8 (a shape 3-5 pixels across) for
    1,000 steps at learning rate 5e-3, 2.5 minutes on 2 cores. Its draws from nothing are mostly
    solid blobs of one colour with edges, about 5 in 6 of 72 at T = 1 (circle- or square-like: a
    triangle cannot be told at 8×8); at T = 0.9 more canvases stay empty.

    Colours in order: the PixelCNN draws a pixel's R, then its G given R, then its B given both,
    as the paper does (:mod:`.pixelcnn`). It first drew the three from the earlier pixels only,
    each on its own: a fifth of the blobs came out two-coloured, and only T = 0.9 hid some of
    it. With the order the same recipe's held-out NLL fell from 0.278 to 0.245 nats per
    dimension given h and from 0.419 to 0.374 from nothing; drawing takes three passes per pixel
    (0.4 s for 24 draws of 8×8).

    References:
        [0] van den Oord et al., Conditional Image Generation with PixelCNN Decoders, 2016,
            https://arxiv.org/abs/1606.05328
        [1] van den Oord, Kalchbrenner & Kavukcuoglu, Pixel Recurrent Neural Networks, 2016,
            https://arxiv.org/abs/1601.06759
        [2] Ho & Salimans, Classifier-Free Diffusion Guidance, 2022,
            https://arxiv.org/abs/2207.12598
    """

    name = "autoregressive"
    family = "generative"
    formula = (
        r"\mathcal{L} = -\sum_i \log p_\theta\big(x_i \mid x_{<i},\, h\big),\;"
        r" h = f(x) \text{ or, with probability } p_{\text{uncond}},\ \text{a learned } \varnothing"
        r"\qquad \text{bits/dim} = \frac{\mathcal{L}}{D \ln 2}"
    )
    prevents_collapse = (
        "Likelihood: every pixel must be predicted from the ones before it. The causal "
        "convolutions see only a few earlier pixels, so the whole-image summary h must carry "
        "the shape, its colour and its place; a constant h cannot help predict them."
    )
    n_views = 1
    default_augment = "weak"
    recipe_measured = f"shape kNN 33.4% → 25.2% (not yet), {LEARNING_TEST}"
    # Samples a viewer can read within ~2.5 minutes on 2 cores (see "Sampling temperature");
    # at 16×16 (the default resolution) the learning test gave 33.8% → 26.4%.
    # Twelve draws from nothing: six (the default) show too few to judge the model by.
    recipe = {
        "objective.params.resolution": 8,
        "objective.params.samples": 12,
        "optim.lr": 5e-3,
        "optim.steps": 1000,
    }
    added_weights = ("null_condition",)  # unconditional samples came in 2026-12

    @dataclass(frozen=True)
    class Config(ObjectiveParams):
        levels: int = spec(
            8, "Intensity levels", "Values per channel after quantisation.", min=2, max=256
        )
        resolution: int = spec(
            16,
            "Resolution",
            "Side of the modelled image (downsampled); sampling costs one pass per pixel.",
            min=4,
            max=64,
        )
        hidden: int = spec(
            64, "PixelCNN width", "Feature channels of the PixelCNN.", min=8, max=512
        )
        layers: int = spec(
            5, "PixelCNN layers", "Masked 3x3 layers after the 7x7 input one.", min=1, max=20
        )
        samples: int = samples_field(6, "Images drawn pixel by pixel for the visuals.")
        uncond_prob: float = spec(
            0.1,
            "Condition dropout",
            "Chance that an image is trained without its h (a learned null condition instead), "
            "so the model can also draw images from nothing.",
            min=0.0,
            max=0.9,
            step=0.05,
        )
        temperature: float = spec(
            1.0,
            "Sampling temperature",
            "Divides the logits before each draw: below 1 the likelier values win more often, "
            "1 draws from the distribution as learnt. Training is unchanged.",
            min=0.1,
            max=2.0,
            step=0.05,
        )

    def __init__(self, backbone: Backbone, config: Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        # Never upsample: small images are modelled at their own size.
        self.resolution = min(config.resolution, image.size)
        self.pixelcnn = PixelCNN(
            image.channels, config.levels, config.hidden, config.layers, backbone.out_dim
        )
        # The condition of "no image": used for dropped rows and unconditional samples.
        self.null_condition = nn.Parameter(torch.zeros(backbone.out_dim))

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        x = views[0]
        h = self.backbone(x)
        q = quantize_pixels(x, self.config.levels, self.resolution)
        condition = h
        if self.training:  # condition dropout: some rows learn p(x) under the null condition
            c, g = self.config, self.generator
            condition = drop_conditions(h, self.null_condition, c.uncond_prob, g)
        loss, components = autoregressive_loss(self.pixelcnn(q, condition), q)
        return StepOutput(loss, components, embedding=h.detach())

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        """Quantised originals, images sampled pixel by pixel from their representations, and
        images sampled from an empty canvas with the null condition (one batch of draws)."""
        c = self.config
        x = x[: c.samples]
        h = self.backbone(x)
        null = self.null_condition.to(h.dtype).expand(c.samples, -1)
        conditions = torch.cat([h, null])
        q = self.pixelcnn.sample(conditions, self.resolution, self.generator, c.temperature)
        shown = (q.float() / (c.levels - 1)).split([len(h), c.samples])
        original = quantize_pixels(x, c.levels, self.resolution)
        return {
            "original": Visual(original.float() / (c.levels - 1)),
            "samples": Visual(
                shown[0], ["drawn pixel by pixel from the h of the original in the same place"]
            ),
            "unconditional": Visual(
                shown[1], ["drawn from an empty canvas with no image: the null condition for h"]
            ),
        }
