"""Checkpoints: plain tensors, numbers, strings and dicts, written atomically.

Because a checkpoint holds nothing else, ``torch.load(weights_only=True)`` reads it, and a file
that carries a pickled object is refused instead of executed. ``last.pt`` is replaced only by a
complete new file, so a crash while writing leaves the previous good checkpoint in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save as safetensors_save

from sslcore.backbones import Backbone, build_backbone
from sslcore.config import RunConfig, from_dict
from sslcore.objectives import OBJECTIVES, Objective
from sslcore.objectives.base import ImageSpec
from sslcore.store import RunStore, atomic_open


class CheckpointError(ValueError):
    """A file is not a readable SSL Lab checkpoint."""


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically (temporary file, fsync, rename)."""
    with atomic_open(path, "wb") as handle:
        torch.save(state, handle)


def load_checkpoint(
    path: Path, map_location: str | torch.device = "cpu", mmap: bool = False
) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``; anything else is a CheckpointError.

    ``mmap`` maps the tensors instead of reading them: what only needs the step (a resume's
    checks) costs no more than the file's header and small values.
    """
    if not Path(path).is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True, mmap=mmap)
    except Exception as err:  # torch raises many types for foreign or unsafe files
        raise CheckpointError(
            f"{path} is not a safe SSL Lab checkpoint (refused to load it: {type(err).__name__})"
        ) from None
    if not isinstance(state, dict) or "objective" not in state or "step" not in state:
        raise CheckpointError(f"{path} is not an SSL Lab checkpoint (no objective weights)")
    return state


def load_weights(objective: Objective, weights: dict[str, torch.Tensor]) -> list[str]:
    """Load a checkpoint's ``weights`` into ``objective``; the names of the weights it lacked.

    Only weights the method gained after the run was saved (``objective.added_weights``) may be
    missing: those keep their fresh initialisation. Anything else missing, or a weight the
    objective does not have, is an error naming them.
    """
    missing, unexpected = objective.load_state_dict(weights, strict=False)
    added = [name for name in missing if name.startswith(objective.added_weights)]
    wrong = [name for name in missing if name not in added] + list(unexpected)
    if wrong:
        raise CheckpointError(
            f"the checkpoint does not fit this {type(objective).__name__}: "
            f"{', '.join(sorted(wrong)[:6])}{' ...' if len(wrong) > 6 else ''}"
        )
    return added


def backbone_state(objective_state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The backbone's weights out of an objective's state dict."""
    prefix = "backbone."
    return {k[len(prefix) :]: v for k, v in objective_state.items() if k.startswith(prefix)}


def trained_backbone(state: dict[str, Any]) -> tuple[Backbone, RunConfig]:
    """A loaded checkpoint's backbone with its trained weights, in eval mode, and its config."""
    config = from_dict(RunConfig, state["config"])
    image = state["image"]
    backbone = build_backbone(config.backbone, image["channels"], image["size"])
    backbone.load_state_dict(backbone_state(state["objective"]))
    backbone.eval()
    return backbone, config


def load_backbone(
    run_dir: str | Path, map_location: str | torch.device = "cpu"
) -> tuple[Backbone, RunConfig]:
    """The trained backbone of a run (from checkpoints/last.pt) and the run's config."""
    state = load_checkpoint(RunStore(Path(run_dir)).checkpoint_path(), map_location)
    return trained_backbone(state)


def load_objective(
    run_dir: str | Path, map_location: str | torch.device = "cpu"
) -> tuple[Objective, RunConfig]:
    """The whole trained objective of a run (backbone and heads, from checkpoints/last.pt), in
    eval mode, and the run's config: what ``objective.encode`` and a language model's head need."""
    state = load_checkpoint(RunStore(Path(run_dir)).checkpoint_path(), map_location)
    config = from_dict(RunConfig, state["config"])
    image = ImageSpec(channels=state["image"]["channels"], size=state["image"]["size"])
    backbone = build_backbone(config.backbone, image.channels, image.size)  # weights come next
    objective = OBJECTIVES[config.objective.name](backbone, config.objective.method_config(), image)
    load_weights(objective, state["objective"])
    objective.eval()
    return objective, config


def export_safetensors(run_dir: str | Path) -> bytes:
    """The run's backbone weights as a safetensors file (bytes), for download."""
    state = load_checkpoint(RunStore(Path(run_dir)).checkpoint_path())
    tensors = {k: v.contiguous() for k, v in backbone_state(state["objective"]).items()}
    metadata = {"backbone": state["config"]["backbone"]["name"], "step": str(state["step"])}
    return safetensors_save(tensors, metadata=metadata)
