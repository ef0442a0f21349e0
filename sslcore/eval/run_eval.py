"""Evaluate a run directory: the entry point of ``sslcore eval`` and the dashboard's Evaluate page.

:func:`evaluate_run` loads the run's trained backbone (``checkpoints/last.pt``) and its dataset's
train and test splits, runs one protocol, and writes the result to ``eval/<name>.json``, where
``<name>`` is the protocol, followed by ``-<p>pct`` when only p% of the labels were used
(``finetune-1pct``), so results at different fractions sit side by side.

The frozen protocols (knn, linear, probes, collapse) read the representation as the objective
defines it, ``objective.encode``, as the live monitor does: for most objectives the backbone's h,
but colorization's backbone sees the grey image and next-token's attends causally, as in
training. The protocols that train (finetune, supervised) train the backbone itself.

Transfer: with ``dataset`` (``sslcore eval RUN --dataset digits``) the frozen backbone is
evaluated on another dataset's splits instead of its own. Their images are converted to the
backbone's channels and resized to its image size (:mod:`sslcore.transfer.adapt`); what was done
is stored under ``adaptation`` in the result, which is saved as ``<name>-on-<dataset>``
(``knn-on-digits``, ``linear-10pct-on-digits``).

Protocols (all scored on the held-out test split):

- ``knn``: weighted kNN on frozen features (k and τ from the run's monitor settings);
- ``linear``: linear probe on frozen features;
- ``finetune``: the pretrained backbone trained with a linear head;
- ``supervised``: the same from a freshly initialised backbone (the baseline);
- ``label-efficiency``: all four methods at 1%, 10% and 100% of the labels;
- ``probes``: one linear probe per recorded factor (``shapes``), and the same probes of a random
  network of the run's backbone (``random_factors``, :mod:`sslcore.eval.random_probes`);
- ``collapse``: std, RankMe, alignment (two augmented views of each test image, made with the
  run's own augmentations) and uniformity of the test features;
- ``perplexity``: exp of the language model's cross-entropy on the held-out documents (text runs
  of ``mlm`` and ``next_token``, see :mod:`sslcore.eval.perplexity`).

Text runs (token ids instead of pixels) take ``knn``, ``linear``, ``collapse`` (without alignment:
a sentence's views are the sentence itself) and ``perplexity``; the protocols that train the
backbone on augmented images and the factor probes are refused with a message that says so.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

import torch

from sslcore.augment import build_augmenter
from sslcore.backbones import Backbone, build_backbone
from sslcore.checkpoint import load_objective
from sslcore.config import RunConfig
from sslcore.data import load_dataset
from sslcore.data.dataset import ImageDataset
from sslcore.data.modality import IMAGE, TEXT, Modality, modality_named, modality_of
from sslcore.data.stl10_unlabeled import labelled_dataset
from sslcore.device import resolve_device
from sslcore.eval.collapse import collapse_report
from sslcore.eval.features import extract_features
from sslcore.eval.finetune import FinetuneSettings, finetune
from sslcore.eval.knn import knn_accuracy
from sslcore.eval.label_efficiency import DEFAULT_FRACTIONS, label_efficiency
from sslcore.eval.linear_probe import linear_probe
from sslcore.eval.perplexity import LANGUAGE_MODELS, held_out_perplexity
from sslcore.eval.probes import factor_probes
from sslcore.eval.random_probes import random_network_probes
from sslcore.eval.splits import label_subset
from sslcore.objectives import Objective
from sslcore.objectives.base import ImageSpec
from sslcore.store import RunStore
from sslcore.transfer.target import load_target, transfer_name

log = logging.getLogger(__name__)

PROTOCOLS = tuple(dict.fromkeys(IMAGE.protocols + TEXT.protocols))  # knn ... perplexity
LABELLED_PROTOCOLS = ("knn", "linear", "finetune", "supervised", "label-efficiency")
FINETUNE_OPTIONS = tuple(f.name for f in dataclasses.fields(FinetuneSettings))
OPTIONS = ("k", "temperature", "fractions", "device", *FINETUNE_OPTIONS)


@dataclasses.dataclass
class _Context:
    """What every protocol needs: the run, its trained objective, both splits, the device."""

    run_dir: Path
    config: RunConfig
    objective: Objective
    train: ImageDataset
    test: ImageDataset
    device: torch.device
    options: dict[str, Any]

    def fresh_backbone(self) -> Backbone:
        """An untrained backbone of the run's kind, seeded by the run's seed."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed)
            return build_backbone(self.config.backbone, self.train.channels, self.train.size)

    @property
    def modality(self) -> Modality:
        """What the run reads: images, or token ids (a text run)."""
        return modality_of(self.train)

    @property
    def backbone(self) -> Backbone:
        """The trained backbone (the objective's)."""
        return self.objective.backbone

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """The frozen representation as the objective defines it, ``objective.encode``: for most
        the backbone's h; colorization's backbone sees the grey image, next-token's attends
        causally, as they did in training."""
        return extract_features(self.objective.encode, images, self.device, modality=self.modality)

    def settings(self) -> FinetuneSettings:
        given = {k: v for k, v in self.options.items() if k in FINETUNE_OPTIONS}
        return FinetuneSettings(**({"seed": self.config.seed} | given))

    @property
    def num_classes(self) -> int:
        assert self.train.labels is not None and self.test.labels is not None
        return max(len(self.train.classes), int(self.train.labels.max()) + 1,
                   int(self.test.labels.max()) + 1)  # fmt: skip


def result_name(protocol: str, labels_fraction: float | None) -> str:
    """The file stem of a result: ``linear``, ``linear-10pct``, ``finetune-0.5pct``."""
    if labels_fraction is None or labels_fraction == 1:
        return protocol
    return f"{protocol}-{labels_fraction * 100:g}pct"


def _check(protocol: str, labels_fraction: float | None, options: dict[str, Any]) -> None:
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol {protocol!r} is not one of: {', '.join(PROTOCOLS)}")
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r}; known options: {', '.join(OPTIONS)}")
    if labels_fraction is not None:
        if protocol not in ("knn", "linear", "finetune", "supervised"):
            raise ValueError(f"--labels-fraction does not apply to the {protocol} protocol")
        if not 0 < labels_fraction <= 1:
            raise ValueError(f"labels fraction must be in (0, 1], got {labels_fraction}")


def _labelled(ctx: _Context, fraction: float | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices and labels of the training images whose labels this evaluation may use."""
    assert ctx.train.labels is not None
    index = label_subset(ctx.train.labels, fraction or 1.0, ctx.settings().seed)
    return index, ctx.train.labels[index]


def _classify(ctx: _Context, protocol: str, fraction: float | None) -> dict[str, Any]:
    index, labels = _labelled(ctx, fraction)
    test_labels = ctx.test.labels
    assert test_labels is not None
    out: dict[str, Any] = {"n_labels": int(index.numel())}
    if protocol in ("knn", "linear"):
        train_features = ctx.features(ctx.train.images)[index]
        test_features = ctx.features(ctx.test.images)
        if protocol == "knn":
            k = int(ctx.options.get("k", ctx.config.monitor.knn_k))
            temperature = float(ctx.options.get("temperature", ctx.config.monitor.knn_temperature))
            out |= {"k": k, "temperature": temperature}
            out["accuracy"] = knn_accuracy(train_features, labels, test_features, test_labels,
                                           ctx.num_classes, k, temperature)  # fmt: skip
        else:
            out["accuracy"] = linear_probe(train_features, labels, test_features, test_labels,
                                           ctx.num_classes).accuracy  # fmt: skip
        return out
    backbone = ctx.backbone if protocol == "finetune" else ctx.fresh_backbone()
    settings = ctx.settings()
    result = finetune(backbone, ctx.train.images[index], labels, ctx.test.images, test_labels,
                      ctx.num_classes, settings, ctx.device)  # fmt: skip
    return out | {"accuracy": result.accuracy, "final_loss": result.final_loss,
                  "settings": dataclasses.asdict(settings)}  # fmt: skip


def _collapse(ctx: _Context) -> dict[str, Any]:
    if not ctx.modality.has_views:  # a sentence's views are itself: no alignment
        return dict(collapse_report(ctx.features(ctx.test.images)))
    generator = torch.Generator().manual_seed(ctx.config.seed)
    view_1, view_2 = build_augmenter(ctx.config.augment)(ctx.test.images, 2, generator)
    report = collapse_report(ctx.features(view_1), ctx.features(view_2))
    return dict(report)


def _perplexity(ctx: _Context) -> dict[str, Any]:
    name = ctx.config.objective.name
    if name not in LANGUAGE_MODELS:
        raise ValueError(
            f"perplexity applies to the language models ({', '.join(LANGUAGE_MODELS)}); "
            f"{name} does not predict tokens"
        )
    value = held_out_perplexity(ctx.objective, ctx.test.images, ctx.device)
    return {"perplexity": value, "vocabulary": ctx.train.channels}


_WHY_NOT = {
    ("text", "probes"): "text documents record no factors to probe",
    ("image", "perplexity"): "perplexity applies to text runs of a language model",
}


def _refuse_for_modality(ctx: _Context, protocol: str) -> None:
    modality = ctx.modality
    if protocol not in modality.protocols:
        why = _WHY_NOT.get((modality.name, protocol), "it trains the backbone on augmented images")
        raise ValueError(
            f"the {protocol} protocol does not apply to {modality.name} runs ({why}); "
            f"{modality.name} runs take {', '.join(modality.protocols)}"
        )


def _run_protocol(ctx: _Context, protocol: str, fraction: float | None) -> dict[str, Any]:
    _refuse_for_modality(ctx, protocol)
    if protocol in LABELLED_PROTOCOLS and (ctx.train.labels is None or ctx.test.labels is None):
        raise ValueError(
            f"dataset {ctx.train.name!r} has no labels: the {protocol} protocol needs "
            "them (use probes or collapse, which do not)"
        )
    if protocol == "label-efficiency":
        fractions = ctx.options.get("fractions", DEFAULT_FRACTIONS)
        rows = label_efficiency(ctx.backbone, ctx.fresh_backbone, ctx.train, ctx.test,
                                fractions, ctx.settings(), ctx.device)  # fmt: skip
        full = [row for row in rows if row["fraction"] == 1.0]
        best = full[0] if full else rows[-1]
        return {"rows": rows, "accuracy": best["ssl_linear"],
                "settings": dataclasses.asdict(ctx.settings())}  # fmt: skip
    if protocol == "probes":
        train_features = ctx.features(ctx.train.images)
        scores = factor_probes(train_features, ctx.train, ctx.features(ctx.test.images), ctx.test)
        random = random_network_probes(ctx.config.backbone, ctx.config.seed, ctx.train, ctx.test,
                                       ctx.device)  # fmt: skip
        return {"factors": [dataclasses.asdict(s) for s in scores],
                "random_factors": [dataclasses.asdict(s) for s in random]}  # fmt: skip
    if protocol == "collapse":
        return _collapse(ctx)
    if protocol == "perplexity":
        return _perplexity(ctx)
    return _classify(ctx, protocol, fraction)


def _splits(
    image: ImageSpec, config: RunConfig, dataset: str | None
) -> tuple[ImageDataset, ImageDataset, dict[str, str] | None]:
    """The run's own splits, or another dataset's adapted to the backbone (and what was done).

    A pretraining set without labels (STL-10's unlabelled images) counts as its labelled
    dataset (``stl10``), whose splits score the representation.
    """
    own = labelled_dataset(config.data.dataset)
    if dataset is None or labelled_dataset(dataset) == own:
        data = dataclasses.replace(config.data, dataset=own)
        return load_dataset(data, "train"), load_dataset(data, "test"), None
    dataset = labelled_dataset(dataset)
    if not (modality_named(config.data.dataset).has_views and modality_named(dataset).has_views):
        raise ValueError(
            f"transfer evaluation (--dataset {dataset}) adapts images to the backbone; "
            "it does not apply to text runs or text datasets"
        )
    train, test, adaptation = load_target(config.data, dataset, image.channels, image.size)
    return train, test, adaptation.as_dict()


def evaluate_run(
    run_dir: str | Path,
    protocol: str,
    labels_fraction: float | None = None,
    dataset: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Run one evaluation protocol on a run and save the result in its ``eval/`` folder.

    Args:
        run_dir: the run directory (it needs ``checkpoints/last.pt``).
        protocol: one of :data:`PROTOCOLS`.
        labels_fraction: use only this class-balanced share of the training labels (knn,
            linear, finetune, supervised); None uses them all.
        dataset: evaluate on this dataset instead of the run's own (transfer); its images are
            adapted to the backbone and the result is saved as ``<name>-on-<dataset>``.
        **options: ``k`` and ``temperature`` (knn), ``fractions`` (label-efficiency),
            ``device`` (default: the run's), and the fields of :class:`FinetuneSettings`
            (``steps``, ``batch_size``, ``lr``, ``weight_decay``, ``warmup_steps``, ``seed``;
            ``seed`` also draws the label subset).

    Returns:
        The saved result: ``protocol``, ``run_id``, ``dataset``, ``n_train``, ``n_test``,
        ``labels_fraction``, ``seconds``, ``name`` (the file stem), and the protocol's figures;
        ``accuracy`` (test accuracy in [0, 1]) wherever the protocol has one. A transfer result
        also has ``pretrain_dataset`` and ``adaptation`` (``channels`` and ``size``, in words).
    """
    _check(protocol, labels_fraction, options)
    started = time.perf_counter()
    store = RunStore(Path(run_dir))
    objective, config = load_objective(store.path)
    device = resolve_device(str(options.get("device", config.device)))
    train, test, adaptation = _splits(objective.image, config, dataset)
    ctx = _Context(store.path, config, objective.to(device), train, test, device, options)
    log.info("evaluating %s with %s on %s", store.run_id, protocol, train.name)
    figures = _run_protocol(ctx, protocol, labels_fraction)
    status = store.status() or {}
    name = result_name(protocol, labels_fraction)
    transfer: dict[str, Any] = {}
    if adaptation is not None:
        name = f"{name}-on-{transfer_name(train.name)}"
        transfer = {"pretrain_dataset": config.data.dataset, "adaptation": adaptation}
    result = {
        "protocol": protocol,
        "name": name,
        "run_id": store.run_id,
        "step": status.get("step"),
        "dataset": train.name,
        **transfer,
        "backbone": config.backbone.name,
        "n_train": len(ctx.train),
        "n_test": len(ctx.test),
        "labels_fraction": labels_fraction,
        "created": time.time(),
    } | figures
    result["seconds"] = round(time.perf_counter() - started, 3)
    store.save_eval(name, result)
    return result
