"""The run directory: the contract between the engine and every viewer.

::

    runs/<run_id>/
      config.json       the full, validated RunConfig
      run_card.json     what the run is: modality, views, classes, factors, method, recipe,
                        backbone; written once at the start (:mod:`sslcore.run_card`)
      status.json       state, step, total steps, message, timestamps, owner (atomic rewrite)
      metrics.jsonl     one JSON object per logged step (append-only)
      events.jsonl      warnings and notable moments (append-only)
      snapshots/        <name>_<step:07d>.npz  images (uint8 N,H,W,C) + optional captions
      embeddings/       step_<step:07d>.npz   features, labels, factors, image ids
      checkpoints/      last.pt (+ step_<n>.pt), written atomically
      eval/             <protocol>.json results

Every file a reader may see half-written is written atomically (temporary file in the same
folder, flush, fsync, ``os.replace``); readers skip a last JSONL line that is cut short, so a
dashboard can read a run while it trains, whether it runs in this process or on a cluster.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import secrets
import socket
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from sslcore.run_lock import lock_holder

log = logging.getLogger(__name__)

STATES = ("queued", "running", "paused", "finished", "stopped", "failed", "interrupted")
ACTIVE_STATES = ("queued", "running", "paused")
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
# What np.load raises for a missing, empty, cut-short or foreign .npz: read as "not there".
ARCHIVE_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


@contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync it and move it into place.

    On any error the temporary file is removed and ``path`` keeps its old content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    with atomic_open(path) as handle:
        json.dump(data, handle, indent=2, allow_nan=True)


def read_json(path: Path) -> Any | None:
    """The JSON in ``path``, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def read_jsonl(path: Path, start: int = 0) -> list[dict[str, Any]]:
    """The complete JSON lines of ``path`` from byte ``start``; a torn last line is skipped."""
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read()
    except OSError:
        return []
    rows = []
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:  # a torn line, or bytes that are not even UTF-8
            log.debug("skipping a partial line in %s", path)
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when it is missing, unreadable or not an object."""
    data = read_json(path)
    return data if isinstance(data, dict) else None


def new_run_id(name: str = "") -> str:
    """A fresh, filesystem-safe run id: ``<sanitised name or 'run'>-<time>-<random>``."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_")[:40] or "run"
    return f"{slug}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def safe_run_dir(runs_dir: Path, run_id: str) -> Path:
    """``runs_dir/run_id``, refusing ids that could leave ``runs_dir`` (``..``, ``/``, links)."""
    if not RUN_ID_PATTERN.match(run_id):
        raise ValueError(
            f"run id {run_id!r} is not allowed: use letters, digits, '-' and '_' (max 80)"
        )
    root = runs_dir.resolve()
    path = (root / run_id).resolve()
    if path.parent != root:
        raise ValueError(f"run id {run_id!r} points outside the runs directory")
    return path


@dataclass
class RunStore:
    """Reads and writes one run directory."""

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    @property
    def run_id(self) -> str:
        return self.path.name

    # --- writing -------------------------------------------------------------------------
    def create(self, config: dict[str, Any], owner: str = "") -> None:
        """Make the folders and write config.json and a ``queued`` status."""
        for sub in ("snapshots", "embeddings", "checkpoints", "eval"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        self.write_config(config)
        total = int(config.get("optim", {}).get("steps", 0))
        self.write_status("queued", step=0, total_steps=total, owner=owner, message="waiting")

    def write_config(self, config: dict[str, Any]) -> None:
        write_json_atomic(self.path / "config.json", config)

    def write_status(self, state: str, **fields: Any) -> dict[str, Any]:
        """Rewrite status.json atomically, keeping the fields not given."""
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}")
        status = self.recorded_status() or {"created": time.time()}
        status.update(fields)
        status["state"] = state
        status["updated"] = time.time()
        write_json_atomic(self.path / "status.json", status)
        return status

    def append_metrics(self, row: dict[str, Any]) -> None:
        self._append(self.path / "metrics.jsonl", row)

    def append_event(self, level: str, message: str, step: int = 0) -> None:
        row = {"time": time.time(), "step": step, "level": level, "message": message}
        self._append(self.path / "events.jsonl", row)

    @staticmethod
    def _append(path: Path, row: dict[str, Any]) -> None:
        # One write call per line, so a concurrent reader sees whole lines or a torn last one.
        line = json.dumps(row, allow_nan=True) + "\n"
        with open(path, "a") as handle:
            handle.write(line)
            handle.flush()

    def save_snapshot(
        self,
        name: str,
        step: int,
        images: np.ndarray,
        captions: list[str] | None = None,
        texts: list[str] | None = None,
    ) -> Path:
        """Save images (N, H, W, C) uint8 as ``snapshots/<name>_<step>.npz``.

        Text runs save ``texts`` (one string per row, e.g. a sentence with its masked tokens
        marked) with an empty ``images`` array.
        """
        path = self.path / "snapshots" / f"{name}_{step:07d}.npz"
        arrays: dict[str, np.ndarray] = {"images": images}
        if captions is not None:
            arrays["captions"] = np.asarray(captions, dtype=str)
        if texts is not None:
            arrays["texts"] = np.asarray(texts, dtype=str)
        with atomic_open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
        return path

    def save_embeddings(self, step: int, arrays: dict[str, np.ndarray]) -> Path:
        """Save probe-set embeddings (``features``, ``labels``, ``ids``, ``factor_<name>``...)."""
        path = self.path / "embeddings" / f"step_{step:07d}.npz"
        with atomic_open(path, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
        return path

    def save_probe_images(
        self, images: np.ndarray, ids: np.ndarray, texts: list[str] | None = None
    ) -> Path:
        """Save the probe set's images (N, H, W, C) uint8 once; embeddings refer to them by id.

        Text runs also save the probe documents as ``texts`` (the map's hovers show them).
        """
        path = self.path / "embeddings" / "probe_images.npz"
        arrays = {"images": images, "ids": ids}
        if texts is not None:
            arrays["texts"] = np.asarray(texts, dtype=str)
        with atomic_open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
        return path

    def save_eval(self, protocol: str, result: dict[str, Any]) -> Path:
        path = self.path / "eval" / f"{protocol}.json"
        write_json_atomic(path, result)
        return path

    # --- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.path / "config.json").exists()

    def config(self) -> dict[str, Any] | None:
        return read_json_object(self.path / "config.json")

    def readable_config(self) -> dict[str, Any]:
        """config.json, or a ValueError saying it is unreadable: never silently the defaults."""
        config = self.config()
        if config is None:
            raise ValueError(
                f"{self.path / 'config.json'} is missing or is not a JSON object: the run's "
                "settings are unknown, so it cannot be resumed or evaluated"
            )
        return config

    def recorded_status(self) -> dict[str, Any] | None:
        """status.json as its writer last wrote it (see :meth:`status` for what is true now)."""
        return read_json_object(self.path / "status.json")

    def status(self) -> dict[str, Any] | None:
        """The run's status as it is now: what status.json says, except that an active run
        of this machine whose writer's lock nobody holds (its process was killed, or the
        machine restarted) reads as ``interrupted``, the same in every viewer."""
        status = self.recorded_status()
        if status is None or status.get("state") not in ACTIVE_STATES:
            return status
        if status.get("host", socket.gethostname()) != socket.gethostname():
            return status  # another machine's run: its lock cannot be seen from here
        if lock_holder(self.path) is not None:
            return status
        return {
            **status,
            "state": "interrupted",
            "message": "the process writing it ended; resume it to continue from its "
            "last checkpoint",
        }

    def metrics(self) -> list[dict[str, Any]]:
        return read_jsonl(self.path / "metrics.jsonl")

    def events(self) -> list[dict[str, Any]]:
        return read_jsonl(self.path / "events.jsonl")

    def snapshot_steps(self, name: str) -> list[int]:
        return sorted(
            int(p.stem.rsplit("_", 1)[1])
            for p in (self.path / "snapshots").glob(f"{name}_*.npz")
            if p.stem.rsplit("_", 1)[1].isdigit()
        )

    def snapshot_names(self) -> list[str]:
        names = {p.stem.rsplit("_", 1)[0] for p in (self.path / "snapshots").glob("*.npz")}
        return sorted(names)

    def load_snapshot(self, name: str, step: int | None = None) -> dict[str, Any] | None:
        """The snapshot at ``step`` (default: the latest): ``images`` and maybe ``captions``
        (and ``texts`` for text runs)."""
        steps = self.snapshot_steps(name)
        if not steps:
            return None
        step = steps[-1] if step is None else step
        path = self.path / "snapshots" / f"{name}_{step:07d}.npz"
        try:
            with np.load(path) as data:
                out: dict[str, Any] = {"step": step, "images": data["images"]}
                if "captions" in data:
                    out["captions"] = [str(c) for c in data["captions"]]
                if "texts" in data:
                    out["texts"] = [str(t) for t in data["texts"]]
                return out
        except ARCHIVE_ERRORS:
            return None

    def embedding_steps(self) -> list[int]:
        return sorted(
            int(p.stem.split("_")[1]) for p in (self.path / "embeddings").glob("step_*.npz")
        )

    def load_embeddings(self, step: int | None = None) -> dict[str, np.ndarray] | None:
        steps = self.embedding_steps()
        if not steps:
            return None
        step = steps[-1] if step is None else step
        try:
            with np.load(self.path / "embeddings" / f"step_{step:07d}.npz") as data:
                arrays = {k: data[k] for k in data.files}
            with np.load(self.path / "embeddings" / "probe_images.npz") as probe:
                arrays["images"] = probe["images"]
                if "texts" in probe:
                    arrays["texts"] = probe["texts"]
        except ARCHIVE_ERRORS:
            return None
        return arrays

    def eval_results(self) -> dict[str, dict[str, Any]]:
        out = {}
        for path in sorted((self.path / "eval").glob("*.json")):
            data = read_json(path)
            if data is not None:
                out[path.stem] = data
        return out

    def checkpoint_path(self) -> Path:
        return self.path / "checkpoints" / "last.pt"

    def cut_back(self, step: int) -> None:
        """Forget everything recorded after ``step`` (the checkpoint a resume starts from).

        metrics.jsonl and events.jsonl keep their complete rows up to ``step`` (a torn last
        line goes too, so the next row cannot be glued onto it); snapshots and embeddings of
        later steps are deleted. The resumed run then writes those steps once, as an
        uninterrupted run would have. Only call this while holding the run's lock.
        """
        for name in ("metrics.jsonl", "events.jsonl"):
            path = self.path / name
            if not path.exists():
                continue
            kept = [row for row in read_jsonl(path) if _step_of(row) <= step]
            with atomic_open(path) as handle:
                handle.writelines(json.dumps(row, allow_nan=True) + "\n" for row in kept)
        later = [p for p in (self.path / "snapshots").glob("*_*.npz") if _file_step(p) > step]
        later += [p for p in (self.path / "embeddings").glob("step_*.npz") if _file_step(p) > step]
        for path in later:
            path.unlink(missing_ok=True)

    def remove_temp_files(self) -> int:
        """Delete the temporary files a killed writer left behind (see :func:`atomic_open`).

        Only call this when no process writes the run any more. Returns how many were removed.
        """
        stale = [p for p in self.path.rglob(".*.tmp") if p.is_file()]
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)


def list_runs(runs_dir: str | Path) -> list[RunStore]:
    """Every run under ``runs_dir`` (newest first), whoever wrote it."""
    root = Path(runs_dir)
    if not root.is_dir():
        return []
    stores = [RunStore(p) for p in root.iterdir() if _is_run_dir(p)]
    return sorted(stores, key=_created, reverse=True)


def _is_run_dir(path: Path) -> bool:
    """A real folder (not a link out of the runs directory) with a valid id and a config."""
    return (
        not path.is_symlink()
        and path.is_dir()
        and RUN_ID_PATTERN.match(path.name) is not None
        and (path / "config.json").exists()
    )


def _created(store: RunStore) -> float:
    created = (store.status() or {}).get("created", 0)
    return float(created) if isinstance(created, (int, float)) else 0.0


def _step_of(row: dict[str, Any]) -> int:
    """A row's step; a row without a numeric one counts as step 0 (it is kept)."""
    step = row.get("step", 0)
    return int(step) if isinstance(step, (int, float)) and math.isfinite(step) else 0


def _file_step(path: Path) -> int:
    """The step in a snapshot's or embedding's file name (``..._0000100.npz``); -1 if none."""
    tail = path.stem.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else -1
