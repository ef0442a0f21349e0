"""Start a backbone from weights instead of from scratch, and record where they came from.

``backbone.init_from`` (see :mod:`sslcore.transfer.init_source`) names the source:

- ``run:<id or dir>``: another run's trained backbone, loaded exactly: the backbone family and
  every tensor's shape must match, with one exception: when the images have a different number
  of channels, the first convolution is converted so the network computes what it computed
  before (RGB -> grey sums the input channels, which is what an RGB network does with a grey
  image replicated three times; grey -> RGB weights the channels by luminance, 0.299 R +
  0.587 G + 0.114 B, which is what a grey network sees of a colour image);
- ``imagenet``: torchvision's ImageNet weights. The lab's ResNets use the CIFAR stem (a 3x3
  convolution, no max-pool) instead of ImageNet's 7x7 one, so ``conv1`` keeps its random
  weights, the classifier ``fc`` is dropped, and every other tensor (all four residual stages
  and their batch norms) is loaded. The report lists each tensor left out and why.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from sslcore.backbones import Backbone
from sslcore.checkpoint import backbone_state, load_checkpoint
from sslcore.config import BackboneConfig, ConfigError
from sslcore.store import RUN_ID_PATTERN, RunStore
from sslcore.transfer.adapt import LUMINANCE
from sslcore.transfer.imagenet import load_imagenet_state
from sslcore.transfer.init_source import FIELD, parse_init_from

SHOWN = 4  # mismatching tensors named in an error message


@dataclass(frozen=True)
class InitReport:
    """Where a backbone's initial weights came from.

    Attributes:
        source: ``scratch``, ``run`` or ``imagenet``.
        reference: the run directory or the weights file ("" for scratch).
        step: the training step of the source run's checkpoint (runs only).
        loaded: how many tensors were loaded.
        adapted: tensors converted to another number of input channels, with how.
        skipped: source tensors not loaded, with the reason (shape, not in this backbone).
        kept: this backbone's tensors left at their random initial values.
    """

    source: str
    reference: str = ""
    step: int | None = None
    loaded: int = 0
    adapted: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def describe(self) -> str:
        """One line for the run's events, e.g. ``backbone initialised from ImageNet weights...``."""
        if self.source == "scratch":
            return "backbone initialised from scratch (random weights from the run's seed)"
        where = (f"run {Path(self.reference).name} (step {self.step})" if self.source == "run"
                 else f"ImageNet weights {Path(self.reference).name}")  # fmt: skip
        parts = [f"backbone initialised from {where}: {self.loaded} tensors loaded"]
        parts += [f"adapted {a}" for a in self.adapted]
        parts += [f"skipped {s}" for s in self.skipped]
        if self.kept:
            parts.append(f"kept random: {', '.join(self.kept)}")
        return "; ".join(parts)


@dataclass
class _Copy:
    loaded: int
    adapted: list[str]
    skipped: list[str]
    kept: list[str]


def resolve_run_dir(ref: str) -> Path:
    """The run directory named by ``run:<ref>``: a path to a run, else a run id in the runs folder.

    Raises:
        ConfigError: neither exists.
    """
    path = Path(ref).expanduser()
    if (path / "checkpoints").is_dir():
        return path
    runs_dir = Path(os.environ.get("SSL_LAB_RUNS_DIR", "runs"))
    if RUN_ID_PATTERN.match(ref) and (runs_dir / ref / "checkpoints").is_dir():
        return runs_dir / ref
    raise ConfigError(
        FIELD,
        f"'run:{ref}' names no run: neither {path} nor {runs_dir / ref} is a run directory "
        "(give a run directory path, or a run id from $SSL_LAB_RUNS_DIR, default ./runs)",
    )


def input_channel_weight(source: Tensor, shape: torch.Size) -> Tensor | None:
    """A first-convolution weight (out, C, k, k) converted to ``shape``'s input channels.

    Returns None unless the two differ only in 1 <-> 3 input channels.
    """
    if source.dim() != 4 or len(shape) != 4 or source.shape[0] != shape[0]:
        return None
    if source.shape[2:] != shape[2:]:
        return None
    have, want = source.shape[1], shape[1]
    if (have, want) == (3, 1):
        return source.sum(dim=1, keepdim=True)
    if (have, want) == (1, 3):
        return source * torch.tensor(LUMINANCE, dtype=source.dtype).view(1, 3, 1, 1)
    return None


def copy_weights(backbone: Backbone, source: Mapping[str, Tensor]) -> _Copy:
    """Copy every tensor of ``source`` whose name and shape match into ``backbone``."""
    target = backbone.state_dict()
    out = _Copy(0, [], [], [])
    with torch.no_grad():
        for name, tensor in target.items():
            if name not in source:
                if not name.endswith("num_batches_tracked"):  # a counter, not a weight
                    out.kept.append(name)
                continue
            value = source[name]
            if value.shape != tensor.shape:
                converted = input_channel_weight(value, tensor.shape)
                if converted is None:
                    out.skipped.append(f"{name} (shape {tuple(value.shape)} in the source, "
                                       f"{tuple(tensor.shape)} here)")  # fmt: skip
                    continue
                how = "summed" if value.shape[1] == 3 else "luminance-weighted"
                out.adapted.append(f"{name} ({value.shape[1]} -> {tensor.shape[1]} input "
                                   f"channels, {how})")  # fmt: skip
                value = converted
            tensor.copy_(value)
            out.loaded += 1
    out.skipped += [f"{name} (not in this backbone)" for name in source if name not in target]
    return out


def _from_run(backbone: Backbone, config: BackboneConfig, ref: str) -> InitReport:
    run_dir = resolve_run_dir(ref)
    state = load_checkpoint(RunStore(run_dir).checkpoint_path())
    theirs = state["config"]["backbone"]["name"]
    if theirs != config.name:
        raise ConfigError(
            FIELD,
            f"run {run_dir.name} trained a {theirs} backbone, this run builds a {config.name}: "
            f"set backbone.name = {theirs} to start from its weights",
        )
    copied = copy_weights(backbone, backbone_state(state["objective"]))
    problems = copied.skipped + [f"{name} (not in the run)" for name in copied.kept]
    if problems:
        raise ConfigError(
            FIELD,
            f"run {run_dir.name}'s {theirs} has other shapes than this one ("
            f"{'; '.join(problems[:SHOWN])}): use the same backbone settings (width, ViT size, "
            "image size) as that run",
        )
    return InitReport("run", str(run_dir), int(state["step"]), copied.loaded,
                      tuple(copied.adapted))  # fmt: skip


def _from_imagenet(backbone: Backbone, config: BackboneConfig, download: bool) -> InitReport:
    state, path = load_imagenet_state(config.name, download)
    # The lab's ResNet wraps torchvision's as ``net``: conv1.weight -> net.conv1.weight.
    copied = copy_weights(backbone, {f"net.{k}": v for k, v in state.items()})
    return InitReport("imagenet", str(path), None, copied.loaded, tuple(copied.adapted),
                      tuple(copied.skipped), tuple(copied.kept))  # fmt: skip


def initialise_backbone(
    backbone: Backbone, config: BackboneConfig, download: bool = False
) -> InitReport:
    """Load ``config.init_from``'s weights into a freshly built ``backbone``, in place.

    Args:
        backbone: the backbone just built (random weights).
        config: its settings; ``init_from`` names the source.
        download: allow downloading missing ImageNet weights (the run's ``data.download``).

    Returns:
        What was loaded from where; a ``scratch`` report when nothing was.

    Raises:
        ConfigError: the run is missing or has another backbone or other shapes.
        MissingWeightsError: ImageNet weights are not cached and downloading is off.
    """
    source = parse_init_from(config.init_from)
    if source.kind == "run":
        return _from_run(backbone, config, source.ref)
    if source.kind == "imagenet":
        return _from_imagenet(backbone, config, download)
    return InitReport("scratch")


def record_init(store: RunStore, report: InitReport) -> None:
    """Write where the weights came from into the run: an event, and ``init`` in status.json."""
    store.append_event("info", report.describe(), 0)
    status = store.status() or {}
    store.write_status(status.get("state", "running"), init=report.as_dict())
