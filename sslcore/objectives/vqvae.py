"""VQ-VAE: describe an image by a small grid of entries from a learned codebook."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sslcore.backbones.base import Backbone
from sslcore.config import spec
from sslcore.objectives.base import LEARNING_TEST, ImageSpec, Objective, StepOutput, Visual
from sslcore.objectives.code_prior import CodePrior
from sslcore.objectives.decoder import GridDecoder, upsampling_steps
from sslcore.objectives.fields import ObjectiveParams, decoder_width_field, samples_field
from sslcore.objectives.image_metrics import psnr


def quantize(z_e: Tensor, codebook: Tensor) -> tuple[Tensor, Tensor]:
    """Nearest codebook entry for each vector: z_q = e_k, k = argmin_j ‖z_e − e_j‖.

    Args:
        z_e: (M, D) encoder outputs.
        codebook: (K, D) entries e_j.

    Returns:
        z_q (M, D) and the indices k (M,).
    """
    distances = torch.cdist(z_e, codebook)  # (M, K)
    codes = distances.argmin(dim=1)
    return codebook[codes], codes


def straight_through(z_e: Tensor, z_q: Tensor) -> Tensor:
    """z_q in the forward pass, the identity in the backward pass: the decoder's gradient with
    respect to z_q is handed to z_e unchanged, so the encoder learns through the argmin."""
    return z_e + (z_q - z_e).detach()


def codebook_perplexity(codes: Tensor, size: int) -> tuple[Tensor, Tensor]:
    """exp(−Σ_k p_k log p_k) of the code frequencies (≤ size), and the share of codes used."""
    p = torch.bincount(codes, minlength=size).float() / codes.numel()
    perplexity = torch.exp(-(p * torch.log(p.clamp_min(1e-10))).sum())
    return perplexity, (p > 0).float().mean()


def vqvae_loss(
    x_hat: Tensor, x: Tensor, z_e: Tensor, z_q: Tensor, beta: float
) -> tuple[Tensor, dict[str, Tensor]]:
    """L = ‖x − x̂‖² + ‖sg[z_e] − e‖² + β‖z_e − sg[e]‖² (each a mean; all minimised).

    The first term trains the decoder (and, straight through, the encoder), the second moves
    the chosen codebook entries towards the encoder outputs, the third (the commitment) keeps
    the encoder outputs close to their entries so they do not grow without bound.
    """
    mse = F.mse_loss(x_hat, x)
    codebook = F.mse_loss(z_q, z_e.detach())
    commitment = F.mse_loss(z_e, z_q.detach())
    loss = mse + codebook + beta * commitment
    parts = {"mse": mse, "codebook": codebook, "commitment": commitment}
    return loss, {**{k: v.detach() for k, v in parts.items()}, "psnr": psnr(mse)}


class VQVAE(Objective):
    """VQ-VAE: the backbone's h is unfolded into a grid of vectors, each snapped to the nearest
    of K learned codebook entries, and a decoder redraws the image from the snapped grid.

    The backbone must encode the image into h so that a linear map of h gives a g×g grid of
    code vectors (4×4 for 32×32 images) from which the decoder can rebuild the picture: a
    bottleneck of g² discrete symbols (log2 K bits each), which rules out copying the image.
    The argmin has no gradient; the straight-through estimator passes the decoder's gradient
    to the encoder as if quantisation were the identity. The codebook loss pulls entries
    towards the encoder outputs, the commitment loss (β = 0.25) keeps outputs near entries.

    Codebook perplexity exp(H(p)) counts the codes in effective use (at most K); a low value
    means codebook collapse. With ``reset_dead_after`` > 0, entries unused for that many steps
    are moved onto randomly chosen encoder outputs of the last batch, a common fix.

    The representation h is the backbone's output, before the code grid.

    Drawing new images: the decoder turns any grid of codes into a picture, so a model of which
    grids occur, a prior p(k) over the code indices, makes a generator: draw a grid from the
    prior, decode it. The prior here is a small PixelCNN over the g×g grid of indices
    (:mod:`sslcore.objectives.code_prior`): each index is a choice among K, predicted from the
    indices above and to its left. Its loss ``prior_nll`` (nats per grid position; a prior that
    knows nothing scores log K) is added to the loss, but it is computed on the chosen indices,
    which carry no gradient (the argmin cuts it), so it trains the prior alone and never moves
    the encoder or the codebook. The paper trains the prior in a second stage ("whilst training
    the VQ-VAE, the prior is kept constant and uniform. After training, we fit an
    autoregressive distribution over z"); training both at once on the detached codes is the
    lab's choice, so that one run shows both reconstructions and samples. The prior chases a
    moving target while the encoder still changes which codes it picks, so its samples lag
    behind the reconstructions. The ``samples`` picture shows grids drawn from the prior and
    decoded: new images, written in the VQ-VAE's own vocabulary of K codes.

    References:
        [0] van den Oord, Vinyals & Kavukcuoglu, Neural Discrete Representation Learning, 2017,
            https://arxiv.org/abs/1711.00937
        [1] van den Oord et al., Conditional Image Generation with PixelCNN Decoders, 2016,
            https://arxiv.org/abs/1606.05328
    """

    idle_steps: Tensor  # (K,) steps since each codebook entry was last chosen

    name = "vqvae"
    family = "generative"
    formula = (
        r"\mathcal{L} = \lVert x - \hat{x} \rVert^2 + \lVert \mathrm{sg}[z_e] - e \rVert^2"
        r" + \beta \lVert z_e - \mathrm{sg}[e] \rVert^2"
        r" - \frac{1}{g^2} \sum_i \log p_\psi\big(k_i \mid k_{<i}\big)"
        r"\quad k = \text{the chosen codes (only the prior } p_\psi \text{ learns from them)}"
    )
    prevents_collapse = (
        "Reconstruction through a discrete codebook; perplexity shows how many codes are used."
    )
    n_views = 1
    default_augment = "weak"
    recipe_measured = f"shape kNN 33.8% → 35.4% (marginal), {LEARNING_TEST}"
    added_weights = ("prior.",)  # the code prior came in 2026-12

    @dataclass(frozen=True)
    class Config(ObjectiveParams):
        codebook_size: int = spec(
            128, "Codebook size K", "Number of codebook entries.", min=2, max=4096
        )
        code_dim: int = spec(32, "Code dimension", "Length of each code vector.", min=2, max=512)
        beta: float = spec(
            0.25, "Commitment β", "Weight of ‖z_e − sg[e]‖².", min=0.0, max=10.0, step=0.05
        )
        decoder_width: int = decoder_width_field()
        reset_dead_after: int = spec(
            50, "Reset unused codes after", "Steps without use before an entry is moved onto "
            "an encoder output; 0 never resets.", min=0, max=100000
        )  # fmt: skip
        prior_width: int = spec(
            64, "Prior width", "Channels of the PixelCNN prior over the code grid.", min=8, max=512
        )
        prior_layers: int = spec(
            3, "Prior layers", "Masked 3x3 layers of the prior after its 5x5 input one.", min=1,
            max=12,
        )  # fmt: skip
        samples: int = samples_field(
            8, "Code grids drawn from the prior and decoded, for the visuals."
        )

    def __init__(self, backbone: Backbone, config: Config, image: ImageSpec) -> None:
        super().__init__(backbone, config, image)
        steps = upsampling_steps(image.size)
        self.grid = image.size // 2**steps
        self.to_grid = nn.Linear(backbone.out_dim, config.code_dim * self.grid**2)
        self.codebook = nn.Parameter(torch.randn(config.codebook_size, config.code_dim) * 0.1)
        self.decoder = GridDecoder(config.code_dim, image.channels, steps, config.decoder_width)
        self.prior = CodePrior(config.codebook_size, config.prior_width, config.prior_layers)
        self.register_buffer("idle_steps", torch.zeros(config.codebook_size, dtype=torch.long))
        self._last_z_e: Tensor | None = None

    def _code_vectors(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """h (B, d) and the encoder outputs z_e as rows (B·g·g, code_dim)."""
        h = self.backbone(x)
        z_e = self.to_grid(h).view(x.shape[0], self.config.code_dim, self.grid, self.grid)
        return h, z_e.permute(0, 2, 3, 1).reshape(-1, self.config.code_dim)

    def _decode(self, z: Tensor, batch: int) -> Tensor:
        grid = z.view(batch, self.grid, self.grid, -1).permute(0, 3, 1, 2)  # (B, D, g, g)
        return torch.sigmoid(self.decoder(grid))

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        x = views[0]
        h, z_e = self._code_vectors(x)
        z_q, codes = quantize(z_e.float(), self.codebook)
        x_hat = self._decode(straight_through(z_e, z_q.to(z_e.dtype)), x.shape[0])
        loss, components = vqvae_loss(x_hat, x, z_e, z_q, self.config.beta)
        # The indices come from an argmin: no gradient reaches the encoder or the codebook.
        prior_nll = self.prior.nll(codes.view(x.shape[0], self.grid, self.grid))
        loss = loss + prior_nll
        components["prior_nll"] = prior_nll.detach()
        perplexity, usage = codebook_perplexity(codes, self.config.codebook_size)
        components.update(perplexity=perplexity, code_usage=usage)
        if self.training:
            with torch.no_grad():
                used = torch.zeros_like(self.idle_steps, dtype=torch.bool)
                used[codes] = True
                self.idle_steps.add_(1).masked_fill_(used, 0)
            self._last_z_e = z_e.detach().float()
        return StepOutput(loss, components, embedding=h.detach())

    @torch.no_grad()
    def after_step(self, progress: float) -> None:
        """Move codebook entries idle for ``reset_dead_after`` steps onto recent encoder outputs."""
        limit = self.config.reset_dead_after
        if limit == 0 or self._last_z_e is None:
            return
        dead = (self.idle_steps >= limit).nonzero().flatten()
        if len(dead):
            g = self.generator
            pick = torch.randint(len(self._last_z_e), (len(dead),), generator=g, device=g.device)
            pick = pick.to(dead.device)
            self.codebook[dead] = self._last_z_e[pick]
            self.idle_steps[dead] = 0
        self._last_z_e = None

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        """Reconstructions from the quantised code grid beside the originals, and new images:
        code grids drawn from the prior, decoded."""
        x = x[:8]
        _, z_e = self._code_vectors(x)
        z_q, _ = quantize(z_e.float(), self.codebook)
        n = self.config.samples
        codes = self.prior.sample(n, self.grid, x.device, self.generator)  # (n, g, g)
        drawn = self._decode(self.codebook[codes.flatten()], n)
        grid = f"{self.grid}×{self.grid}"
        return {
            "reconstruction": Visual(self._decode(z_q.to(z_e.dtype), len(x))),
            "original": Visual(x),
            "samples": Visual(
                drawn.float(), [f"new images: {grid} code grids drawn from the prior, decoded"]
            ),
        }
