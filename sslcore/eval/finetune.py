"""Fine-tuning: train the whole backbone plus a linear head on a few labels.

This is the test of the promise of self-supervised learning: started from the pretrained
weights, how good does a classifier get with 1% or 10% of the labels? The baseline is the same
recipe from a freshly initialised backbone (supervised from scratch): same labels, same
backbone, same steps, same optimizer, so any gap comes from pretraining alone.

The recipe is deliberately plain: AdamW, a linear warm-up then cosine decay, light
augmentation (the ``weak`` preset: a mild random crop and a flip), bf16 autocast where the
hardware has fast bf16, and a fixed number of steps whatever the number of labels.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sslcore.augment import build_augmenter, preset
from sslcore.backbones import Backbone
from sslcore.device import resolve_precision
from sslcore.eval.features import extract_features
from sslcore.optim import warmup_cosine


@dataclass(frozen=True)
class FinetuneSettings:
    """The training budget and optimizer of fine-tuning (and of its supervised baseline).

    Attributes:
        steps: optimizer steps.
        batch_size: labelled images per step (fewer when there are fewer labels).
        lr: peak AdamW learning rate, for the backbone and the head alike.
        weight_decay: AdamW's decoupled weight decay.
        warmup_steps: linear warm-up before the cosine decay.
        seed: seeds the head's initial weights, the batches and the augmentations.
    """

    steps: int = 300
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.05
    warmup_steps: int = 20
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.weight_decay < 0 or self.warmup_steps < 0:
            raise ValueError("weight_decay and warmup_steps must not be negative")


class Classifier(nn.Module):
    """A backbone and a linear head: logits = W f(x) + b."""

    def __init__(self, backbone: Backbone, num_classes: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.out_dim, num_classes)

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return self.head(self.backbone(x))


@dataclass
class FinetuneResult:
    """Test accuracy in [0, 1], the trained classifier and the final training loss."""

    accuracy: float
    model: Classifier
    final_loss: float


def finetune(
    backbone: Backbone,
    train_images: Tensor,
    train_labels: Tensor,
    test_images: Tensor,
    test_labels: Tensor,
    num_classes: int,
    settings: FinetuneSettings | None = None,
    device: torch.device | str = "cpu",
) -> FinetuneResult:
    """Train a copy of ``backbone`` with a new linear head on labelled images, then test it.

    The caller's backbone is left untouched. Pass a pretrained backbone to fine-tune it, or a
    freshly built one for the supervised-from-scratch baseline.

    Args:
        backbone: the starting weights.
        train_images: (N, C, H, W) uint8 labelled images (e.g. a :func:`label_subset`).
        train_labels: (N,) class indices.
        test_images: (M, C, H, W) uint8 held-out images.
        test_labels: (M,) class indices.
        num_classes: number of classes.
        settings: the budget and optimizer (default :class:`FinetuneSettings`).
        device: where to train.
    """
    settings = settings or FinetuneSettings()
    if train_images.shape[0] != train_labels.shape[0] or train_images.shape[0] == 0:
        raise ValueError("train_images and train_labels must be non-empty and of equal length")
    device = torch.device(device)
    generator = torch.Generator().manual_seed(settings.seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        model = Classifier(copy.deepcopy(backbone), num_classes).to(device)
    augment = build_augmenter(preset("weak"))
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: warmup_cosine(step, settings.warmup_steps, settings.steps)
    )
    autocast_dtype = resolve_precision("auto", device)
    labels = train_labels.long()
    batch_size = min(settings.batch_size, labels.numel())
    order = torch.randperm(labels.numel(), generator=generator)
    cursor, loss = 0, torch.zeros(())
    model.train()
    for _ in range(settings.steps):
        if cursor + batch_size > order.numel():  # a new epoch: reshuffle
            order, cursor = torch.randperm(labels.numel(), generator=generator), 0
        index = order[cursor : cursor + batch_size]
        cursor += batch_size
        (x,) = augment(train_images[index], 1, generator)
        with torch.autocast(
            device.type, dtype=autocast_dtype or torch.float32, enabled=autocast_dtype is not None
        ):
            logits = model(x.to(device))
        loss = F.cross_entropy(logits.float(), labels[index].to(device))
        if not torch.isfinite(loss):
            raise FloatingPointError(
                f"fine-tuning diverged (loss {loss.item()}): lower the learning rate"
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    logits = extract_features(model, test_images, device)
    accuracy = float((logits.argmax(dim=1) == test_labels.long()).float().mean())
    return FinetuneResult(accuracy=accuracy, model=model.eval(), final_loss=float(loss.detach()))
