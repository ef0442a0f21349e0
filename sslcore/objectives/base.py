"""The Objective contract: what every self-supervised method provides.

A method is one small file with one class. The trainer gives it a list of augmented views of a
batch and gets back a loss with its named components; the method owns no optimizer, scheduler,
logging or evaluation. Pretext targets (rotations, permutations, masks) are made inside
:meth:`Objective.forward` from the batch, so the data contract stays "images in, views out".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from sslcore.backbones.base import Backbone
from sslcore.objectives.ranks import ONE_PROCESS, Ranks

FAMILIES = ("contrastive", "distillation", "redundancy", "predictive", "generative")
# How a recipe's result on shapes was measured (tests/engine/test_objectives_learn.py).
LEARNING_TEST = "random network → trained (learning test: convnet width 16, 300 steps of 128)"


@dataclass(frozen=True)
class ImageSpec:
    """The shape of the images an objective sees: channels and square size."""

    channels: int
    size: int


@dataclass
class StepOutput:
    """What one forward pass of an objective returns.

    Attributes:
        loss: the scalar to minimise.
        components: named scalar tensors to plot (loss terms, similarities, pretext accuracy).
            The trainer detaches them and reads them only on logging steps.
        embedding: (B, d) projections of the first view, for the collapse figure; detached.
    """

    loss: Tensor
    components: dict[str, Tensor] = field(default_factory=dict)
    embedding: Tensor | None = None


@dataclass
class Visual:
    """A batch of images to show, (N, C, H, W) floats in [0, 1], with optional captions."""

    images: Tensor
    captions: list[str] | None = None


class Objective(nn.Module):
    r"""Base class of every self-supervised objective.

    Subclasses set the class attributes, define a frozen dataclass ``Config`` of their
    hyperparameters (an :class:`~sslcore.objectives.fields.ObjectiveParams` whose fields carry
    their UI label and range, so the UI can build a form), and implement :meth:`forward`. The
    backbone is ``self.backbone``; its output ``h`` is the representation that kNN, probes and
    the embedding map use. The docstring's first paragraph, its ``References:``, ``formula``
    and ``prevents_collapse`` make the method's card (:mod:`sslcore.method_card`).

    Formulas are written from the papers (FORMULAS.md in the design notes) in one notation:
    views :math:`x_1, x_2` of an image (for text: tokens :math:`x_t` of a sentence); backbone
    :math:`f`; projector :math:`g`; predictor :math:`q`; :math:`z = g(f(x))`;
    :math:`\mathrm{sim}(a, b) = a^\top b / (\lVert a\rVert \lVert b\rVert)`;
    :math:`\mathrm{sg}` stop-gradient; :math:`\tau` a temperature; :math:`N` images per batch.
    """

    name: ClassVar[str]
    family: ClassVar[str]
    # The loss in LaTeX, and what keeps its embedding from collapsing (the Learn page, run cards).
    formula: ClassVar[str]
    prevents_collapse: ClassVar[str]
    n_views: ClassVar[int]
    Config: ClassVar[type]
    # Backbone names this method works with; None means every backbone.
    compatible_backbones: ClassVar[tuple[str, ...] | None] = None
    # What it learns from: "image" batches (B, C, H, W) or "text" token ids (B, L).
    modality: ClassVar[str] = "image"
    # The augmentation preset its default recipe uses (SimCLR's unless it says otherwise).
    default_augment: ClassVar[str] = "simclr"
    # Its default recipe: dotted RunConfig paths whose value differs from the default config's
    # (the preset above applied), e.g. {"optim.lr": 1e-3}; a test keeps out the ones that do not.
    recipe: ClassVar[dict[str, Any]] = {}
    # What changes on real photographs, over sslcore.recipes.PHOTO_RECIPE (siamese families);
    # again only values that differ from what they override.
    photo_recipe: ClassVar[dict[str, Any]] = {}
    # What each recipe reached here, from BENCHMARKS.md (the Learn page shows it).
    recipe_measured: ClassVar[str] = ""
    photo_measured: ClassVar[str] = ""
    # Prefixes of weights the method gained after runs of it were saved (state-dict keys):
    # a checkpoint without them still loads, those parts keeping their fresh initialisation.
    added_weights: ClassVar[tuple[str, ...]] = ()

    def __init__(self, backbone: Backbone, config: Any, image: ImageSpec) -> None:
        super().__init__()
        self.backbone = backbone
        self.config = config
        self.image = image
        # Randomness inside forward (masks, rotations, permutations) must come from this
        # generator, never torch's global one, so two runs in one process do not disturb each
        # other and a resumed run repeats itself. The trainer replaces it with the run's own
        # (on the run's device) and checkpoints its state.
        self.generator = torch.Generator().manual_seed(0)
        # The processes sharing each batch, for the losses that need the global batch
        # (:mod:`sslcore.objectives.ranks`): one, until a multi-process strategy replaces it.
        self.ranks: Ranks = ONE_PROCESS

    def forward(self, views: list[Tensor]) -> StepOutput:  # type: ignore[override]
        """Compute the loss from ``n_views`` augmented views, each (B, C, H, W) in [0, 1]."""
        raise NotImplementedError

    def after_step(self, progress: float) -> None:
        """Called after each optimizer step with progress in [0, 1] (EMA updates, queues)."""

    def encode(self, x: Tensor) -> Tensor:
        """The representation h = f(x), (B, backbone.out_dim)."""
        return self.backbone(x)

    @torch.no_grad()
    def visuals(self, x: Tensor) -> dict[str, Visual]:
        """Pictures of what the method does on images x (reconstructions, masks, ...)."""
        return {}
