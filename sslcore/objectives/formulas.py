r"""Each objective's loss in LaTeX, and what keeps it from collapsing: for the Learn page and
every run card (:mod:`sslcore.method_card`).

Written from the papers (see FORMULAS.md in the design notes). Notation: views
:math:`x_1, x_2` of an image (for text: tokens :math:`x_t` of a sentence); backbone :math:`f`;
projector :math:`g`; predictor :math:`q`; :math:`z = g(f(x))`;
:math:`\mathrm{sim}(a, b) = a^\top b / (\lVert a\rVert \lVert b\rVert)`;
:math:`\mathrm{sg}` stop-gradient; :math:`\tau` a temperature; :math:`N` images per batch.
Keys are the registry's names (``sslcore.objectives.OBJECTIVES``): every objective has one.
"""

from __future__ import annotations

from typing import NamedTuple


class Formula(NamedTuple):
    latex: str
    prevents_collapse: str


FORMULAS: dict[str, Formula] = {
    "simclr": Formula(
        r"\ell(i,j) = -\log \frac{\exp(\mathrm{sim}(z_i, z_j)/\tau)}"
        r"{\sum_{k \neq i} \exp(\mathrm{sim}(z_i, z_k)/\tau)}"
        r"\qquad \mathcal{L} = \frac{1}{2N} \sum_{\text{views } i} \ell(i, j(i))",
        "Negatives: the other 2N−2 views of the batch push every image away from the others, "
        "so the embedding cannot shrink to a point.",
    ),
    "moco": Formula(
        r"\mathcal{L} = -\log \frac{\exp(q \cdot k^{+}/\tau)}"
        r"{\exp(q \cdot k^{+}/\tau) + \sum_{i=1}^{K} \exp(q \cdot k_i/\tau)}"
        r"\qquad \xi \leftarrow m\,\xi + (1-m)\,\theta",
        "Negatives from a queue of K earlier keys, made by a slowly moving momentum encoder.",
    ),
    "nnclr": Formula(
        r"\ell_i = -\log \frac{\exp(\mathrm{sim}(\mathrm{NN}(z_i, Q), z_i^{+})/\tau)}"
        r"{\sum_{k} \exp(\mathrm{sim}(\mathrm{NN}(z_i, Q), z_k^{+})/\tau)}",
        "Negatives, as in SimCLR; the positive is the nearest neighbour in a queue Q of past "
        "projections, which brings in variety no augmentation makes.",
    ),
    "byol": Formula(
        r"\mathcal{L} = \left\lVert \frac{p}{\lVert p \rVert} - \frac{z'}{\lVert z' \rVert}"
        r"\right\rVert_2^2 = 2 - 2\,\mathrm{sim}(p, z')"
        r"\qquad \xi \leftarrow \tau\,\xi + (1-\tau)\,\theta",
        "No negatives: an asymmetry does it. A predictor on the online side and a slow "
        "(EMA) target network that gets no gradient.",
    ),
    "simsiam": Formula(
        r"\mathcal{L} = \tfrac{1}{2} D\big(p_1, \mathrm{sg}(z_2)\big)"
        r" + \tfrac{1}{2} D\big(p_2, \mathrm{sg}(z_1)\big)"
        r"\qquad D(p, z) = -\mathrm{sim}(p, z)",
        "The stop-gradient (helped by the predictor). Remove it and the outputs collapse to a "
        "constant: the std of the normalised projections drops to ~0.",
    ),
    "dino": Formula(
        r"\mathcal{L} = \sum_{x \neq x'} -P_t(x)^\top \log P_s(x')"
        r"\qquad P_s = \mathrm{softmax}\!\big(g_s(x')/\tau_s\big),\;"
        r"P_t = \mathrm{softmax}\!\big((g_t(x) - c)/\tau_t\big)",
        "Centring (subtract a running mean c) and sharpening (τ_t < τ_s) balance each other: "
        "centring alone collapses to uniform, sharpening alone to one dimension.",
    ),
    "barlow_twins": Formula(
        r"\mathcal{L} = \sum_i (1 - C_{ii})^2 + \lambda \sum_i \sum_{j \neq i} C_{ij}^2"
        r"\qquad C_{ij} = \frac{\sum_b z^A_{b,i} z^B_{b,j}}"
        r"{\sqrt{\sum_b (z^A_{b,i})^2}\sqrt{\sum_b (z^B_{b,j})^2}}",
        "Redundancy reduction: the cross-correlation is pushed towards the identity, so every "
        "dimension must carry its own information.",
    ),
    "vicreg": Formula(
        r"\mathcal{L} = \lambda\, s(Z, Z') + \mu\,[v(Z) + v(Z')] + \nu\,[c(Z) + c(Z')]"
        r"\qquad v(Z) = \frac{1}{d}\sum_j \max\!\big(0, \gamma - \sqrt{\mathrm{Var}(z^j)"
        r" + \epsilon}\big)",
        "The variance term keeps each dimension's spread above γ; the covariance term "
        "decorrelates the dimensions.",
    ),
    "rotation": Formula(
        r"\mathcal{L} = -\frac{1}{4} \sum_{r \in \{0°, 90°, 180°, 270°\}}"
        r" \log p_\theta\big(r \mid \mathrm{rot}(x, r)\big)",
        "A classification target: a constant output cannot tell the four rotations apart.",
    ),
    "jigsaw": Formula(
        r"\mathcal{L} = -\log p_\theta\big(\pi \mid \text{tiles}_\pi\big)",
        "A classification target: the network must recognise which permutation shuffled the tiles.",
    ),
    "relative_position": Formula(
        r"\mathcal{L} = -\log p_\theta\big(k \mid f(\text{centre}), f(\text{neighbour}_k)\big),"
        r"\quad k \in \{1, \dots, 8\}",
        "A classification target: where is the second patch relative to the first?",
    ),
    "autoencoder": Formula(
        r"\mathcal{L} = \frac{1}{N} \sum_i \lVert x_i - d(e(\tilde{x}_i)) \rVert^2,"
        r"\quad \tilde{x} = x \text{ or, denoising, } \text{corrupt}(x)",
        "Reconstruction: the code must keep enough of the image to redraw it (the clean image, "
        "when the encoder sees a corrupted one).",
    ),
    "mae": Formula(
        r"\mathcal{L} = \frac{1}{|M|} \sum_{p \in M} \lVert x_p - \hat{x}_p \rVert^2"
        r"\quad M = \text{the masked patches (75\%)}",
        "Reconstruction of what was hidden: the encoder sees only the visible patches.",
    ),
    "autoregressive": Formula(
        r"\mathcal{L} = -\sum_i \log p_\theta\big(x_i \mid x_{<i},\, h\big),\;"
        r" h = f(x) \text{ or, with probability } p_{\text{uncond}},\ \text{a learned } \varnothing"
        r"\qquad \text{bits/dim} = \frac{\mathcal{L}}{D \ln 2}",
        "Likelihood: every pixel must be predicted from the ones before it. The causal "
        "convolutions see only a few earlier pixels, so the whole-image summary h must carry "
        "the shape, its colour and its place; a constant h cannot help predict them.",
    ),
    "vqvae": Formula(
        r"\mathcal{L} = \lVert x - \hat{x} \rVert^2 + \lVert \mathrm{sg}[z_e] - e \rVert^2"
        r" + \beta \lVert z_e - \mathrm{sg}[e] \rVert^2"
        r" - \frac{1}{g^2} \sum_i \log p_\psi\big(k_i \mid k_{<i}\big)"
        r"\quad k = \text{the chosen codes (only the prior } p_\psi \text{ learns from them)}",
        "Reconstruction through a discrete codebook; perplexity shows how many codes are used.",
    ),
    "colorization": Formula(
        r"\mathcal{L} = \frac{1}{N} \sum_i \lVert ab_i - h(L_i) \rVert^2",
        "Prediction of the colour channels from the lightness channel.",
    ),
    "mlm": Formula(
        r"\mathcal{L} = -\frac{1}{|M|} \sum_{i \in M} \log p_\theta\big(x_i \mid \tilde{x}\big)"
        r"\qquad M = \text{15\% of the tokens; in } \tilde{x}\text{: 80\% [MASK], 10\% random, "
        r"10\% kept}",
        "A prediction target: the hidden words must be guessed from both sides, and a "
        "constant output cannot name them. Perplexity exp(ℒ) shows how well it guesses.",
    ),
    "next_token": Formula(
        r"\mathcal{L} = -\frac{1}{T} \sum_{t=1}^{T} \log p_\theta\big(x_t \mid x_{<t}\big)"
        r"\qquad \text{perplexity} = e^{\mathcal{L}}",
        "A prediction target: every token is guessed from the ones before it (a causal mask "
        "hides the future), so the model must learn how the language goes on.",
    ),
    "simcse": Formula(
        r"\ell_i = -\log \frac{\exp(\mathrm{sim}(h_i, h_i^{+})/\tau)}"
        r"{\sum_{j=1}^{N} \exp(\mathrm{sim}(h_i, h_j^{+})/\tau)}"
        r"\qquad h_i, h_i^{+} = f(x_i) \text{ under two dropout masks},\; \tau = 0.05",
        "Negatives: the other sentences of the batch. The paper's only augmentation is "
        "dropout: the same sentence, seen twice through different dropout masks, must find "
        "itself. From a random network that is too easy, so the lab's recipe also shows each "
        "view a different random span of the paragraph.",
    ),
}
