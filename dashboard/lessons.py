"""Guided lessons: a ready setup (or two, to compare) and a question to answer.

Each setup is a dict of dotted-path changes from the default run, the same form the Setup page
and the URL use, so a lesson is one click away from a running experiment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LESSON_STEPS = 300


@dataclass(frozen=True)
class Lesson:
    """A guided experiment.

    Attributes:
        title: what the lesson is about.
        story: two or three sentences that set the scene.
        question: what the student should find out.
        where_to_look: which page and figure answer the question.
        setups: named setups to run side by side (dotted path -> value).
        laptop_minutes: about how long its runs train on a 2-core laptop CPU, all of them.
        probes: the answer is in the factor probes (the card shows its runs' probes table).
        measured: what the lesson's runs showed here, for the teacher (opened on request).
    """

    title: str
    story: str
    question: str
    where_to_look: str
    setups: dict[str, dict[str, Any]] = field(default_factory=dict)
    laptop_minutes: int = 2
    probes: bool = False
    measured: str = ""


NO_COLOUR_JITTER = {
    "augment.preset": "custom",
    "augment.color_jitter_prob": 0.0,
    "augment.grayscale_prob": 0.0,
}

# ImageNet-supervised ResNet-18 weights, essentially unchanged: one step at the smallest
# learning rate the lab allows, only so the weights are saved as a run that Evaluate can read.
IMAGENET_AS_IS = {
    "backbone.name": "resnet18",
    "backbone.init_from": "imagenet",
    "optim.steps": 1,
    "optim.warmup_steps": 0,
    "optim.lr": 1e-6,
    "name": "imagenet-weights",
}

# A text run that learns visibly in a few minutes on 2 cores (the budget of the text learning
# test: SimCSE passes the random network on the module label in 300 steps, MLM in 2,400).
TEXT_LESSON = {
    "data.dataset": "stdlib_docs",
    "data.tokenizer": "words",
    "data.context_length": 32,
    "backbone.name": "text_transformer",
    "backbone.vit_dim": 64,
    "backbone.vit_depth": 2,
    "backbone.vit_heads": 2,
    "augment.preset": "none",
    "augment.crop_scale_min": 1.0,
    "optim.precision": "fp32",
    "optim.lr": 1e-3,
    "optim.batch_size": 32,
    "optim.steps": 300,
    "optim.warmup_steps": 10,
    "monitor.eval_every": 100,
    "monitor.probe_size": 300,
}
# MLM first loses the random network's bag of words, then passes it (about 2 minutes alone).
MLM_LESSON = {
    "objective.name": "mlm",
    "objective.params.mask_ratio": 0.4,
    "optim.lr": 3e-3,
    "optim.steps": 2400,
    "monitor.eval_every": 200,
}

LESSONS = (
    Lesson(
        title="Augmentations decide what is learned",
        story="Every shape in this dataset has a random colour. SimCLR learns to give two views "
        "of an image the same embedding, so whatever the augmentations change cannot tell the "
        "two views apart from the others. With colour jitter, colour stops being a way to "
        "recognise an image again and the network must find another; without it, colour is "
        "the easiest way. Mind what a probe measures: a linear probe may still read colour off "
        "features that no longer rely on it, and a random network already reads colour.",
        question="Which run's representation knows the shape, and which one took the colour "
        "shortcut?",
        where_to_look="Evaluate → Factor probes for each run; then this card (or Compare) puts "
        "both runs beside a random network and chance. Embeddings → colour the map by shape, "
        "then by colour.",
        setups={
            "with colour jitter": {"optim.steps": LESSON_STEPS, "name": "with-jitter"},
            "without colour jitter": {
                "optim.steps": LESSON_STEPS,
                "name": "no-jitter",
                **NO_COLOUR_JITTER,
            },
        },
        # Measured 2026-12-05, sslcore train --steps 300 under nice on the shared 2-core box:
        # 94 s for one run (90 s of training), probes 25 s each (random network included).
        laptop_minutes=3,
        probes=True,
        measured="Factor probes after 300 steps (accuracy; chance 0.17 for shape, 0.18 for "
        "colour). Random network: shape 0.60, colour 1.00. With colour jitter: shape 0.98, "
        "colour 0.89: the shape is learned, and colour falls only a little (still readable, "
        "no longer what the network relies on). Without colour jitter: shape 0.42, colour "
        "1.00: below the random network on shape, the colour shortcut.",
    ),
    Lesson(
        title="Collapse: SimSiam without its stop-gradient",
        story="SimSiam has no negatives: nothing pushes different images apart. Its paper shows "
        "that the stop-gradient on the target is what keeps every image from getting the same "
        "embedding. Switch it off and see for yourself.",
        question="What happens to the collapse check (the std of the normalised outputs) and "
        "the kNN accuracy without the stop-gradient?",
        where_to_look="Compare → the collapse check and kNN curves of both runs.",
        setups={
            "with stop-gradient": {
                "objective.name": "simsiam",
                "optim.steps": LESSON_STEPS,
                "name": "simsiam-sg",
            },
            "without stop-gradient": {
                "objective.name": "simsiam",
                "optim.steps": LESSON_STEPS,
                "objective.params.stop_gradient": False,
                "name": "simsiam-no-sg",
            },
        },
        laptop_minutes=3,  # two 300-step runs of lesson 1's cost (SimSiam's step is SimCLR's)
    ),
    Lesson(
        title="Labels are expensive",
        story="Self-supervised learning uses no labels at all; labels are only needed at the "
        "end, to name what the network already tells apart. How few are enough?",
        question="With 1% of the labels, how far is the self-supervised backbone ahead of a "
        "network trained from scratch on those labels?",
        where_to_look="Evaluate → run the label-efficiency protocol and read its chart.",
        setups={"SimCLR on shapes": {"optim.steps": LESSON_STEPS, "name": "label-efficiency"}},
        laptop_minutes=2,  # one of lesson 1's runs
    ),
    Lesson(
        title="Does what shapes taught carry over to handwritten digits?",
        story="Pretraining pays off only if what was learned is useful elsewhere: learn from "
        "plenty of unlabelled images, then reuse the backbone where labels are scarce. Here a "
        "backbone pretrained on coloured shapes meets grey handwritten digits it has never "
        "seen (replicated to RGB and upscaled from 8 px, as the result reports), with 10% of "
        "their labels. The baselines: the same network with random weights and, when torch's "
        "cache holds them, ResNet-18 weights learned with labels on ImageNet's 1.3 million "
        "photos.",
        question="With 10% of the digit labels, how far ahead of a random network is the "
        "shapes-pretrained backbone, and how close does it come to ImageNet's weights?",
        where_to_look="Evaluate → Evaluate on: digits (transfer) → Label efficiency for the "
        "shapes run (its 10% row has the random network beside it); Linear probe with 10% of "
        "the labels for the ImageNet run; Compare → the transfer table puts them side by side.",
        setups={
            "pretrained on shapes": {"optim.steps": LESSON_STEPS, "name": "shapes-pretrained"},
            "ImageNet weights": IMAGENET_AS_IS,
        },
        laptop_minutes=2,  # one of lesson 1's runs, and one step of ResNet-18
    ),
    Lesson(
        title="Masked words or contrastive sentences?",
        story="Language is where self-supervised learning made its name. BERT (mlm) learns by "
        "filling in hidden words; SimCSE learns a sentence embedding directly: the same "
        "paragraph, cut to two random spans and passed through the network with different "
        "dropout masks, must find itself among the other paragraphs of the batch. "
        "Both train here on the docstrings of Python's own standard library; each paragraph's "
        "label, the module it documents, is never shown to them. Mind the baseline: a "
        "randomly initialised transformer's mean token vector is already a random projection "
        "of the paragraph's bag of words, and the words say a lot about the module.",
        question="Whose sentence embedding (the mean of its token vectors) sorts paragraphs "
        "by module better, and when does each beat the randomly initialised network it started "
        "from? Why does MLM's kNN curve first fall below it?",
        where_to_look="Compare → the kNN accuracy curves (the module label; their first point "
        "is the random network); Train → the masked words and MLM's guesses; Embeddings → "
        "colour by label, hover the sentences, click one for its neighbours; Evaluate → the "
        "linear probe and MLM's perplexity.",
        setups={
            "masked words (mlm)": {**TEXT_LESSON, **MLM_LESSON, "name": "mlm-docs"},
            "contrastive sentences (simcse)": {
                **TEXT_LESSON,
                "objective.name": "simcse",
                "augment.preset": "custom",
                "augment.crop_scale_min": 0.5,
                "augment.crop_scale_max": 0.8,
                "name": "simcse-docs",
            },
        },
        laptop_minutes=3,  # MLM's 2,400 steps about 2 minutes alone, SimCSE's 300 well under 1
    ),
)
