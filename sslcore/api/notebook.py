"""The notebook handle: train a run, watch it, evaluate it and take its backbone, in a few calls.

::

    import sslcore

    run = sslcore.train(objective="simclr", dataset="shapes", steps=200)  # returns at once
    run.wait()                        # the run trains in a background thread of this process
    run.metrics.plot(x="step", y="loss")                  # a pandas DataFrame
    run.evaluate("knn")["accuracy"]                       # what `sslcore eval` computes
    features = run.embeddings()["features"]               # the probe set, (N, out_dim)
    backbone = run.backbone()                             # an nn.Module: images -> h

Everything here is a thin layer over the engine: :func:`train` builds a
:class:`~sslcore.config.RunConfig` the way ``sslcore train`` does and hands it to the process-wide
:class:`~sslcore.jobs.JobManager`; a :class:`Run` reads the run directory (the same files the
dashboard reads), so a run started from a notebook shows up live in the lab, and a run written
by the command line or a cluster job can be opened here with :func:`load_run`.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sslcore.config import SECTIONS, ConfigError, RunConfig, from_dict, load_config, replace
from sslcore.eval.run_eval import evaluate_run
from sslcore.export.backbone import TrainedBackbone, load_backbone
from sslcore.jobs import JobManager, get_manager
from sslcore.objectives import OBJECTIVES
from sslcore.recipes import augment_preset_dict, recipe_config
from sslcore.run_card import RunCard, read_card
from sslcore.store import ACTIVE_STATES, RUN_ID_PATTERN, RunStore, list_runs

OWNER = "notebook"  # recorded in status.json, as the command line records "cli"
POLL_S = 0.1


@dataclasses.dataclass(frozen=True)
class RunStatus:
    """Where a run stands, read from its status.json.

    Attributes:
        state: queued, running, paused, finished, stopped, failed or interrupted.
        step: the last step trained.
        total_steps: the steps it trains to (``optim.steps``).
        message: what it is doing now, or why it ended.
    """

    state: str
    step: int
    total_steps: int
    message: str

    @property
    def done(self) -> bool:
        """Whether the run has ended (finished, stopped, failed or interrupted)."""
        return self.state not in ACTIVE_STATES


class Run:
    """A handle on one run directory: read what it recorded, control it, evaluate it.

    Get one from :func:`train` (a new run) or :func:`load_run` (an existing one). Every property
    reads the directory afresh, so a handle on a training run shows its progress as it goes.

    Args:
        path: the run directory (``runs/<run id>``).
    """

    def __init__(self, path: str | Path) -> None:
        self._store = RunStore(Path(path).resolve())

    @property
    def id(self) -> str:
        """The run id: the name of its directory."""
        return self._store.run_id

    @property
    def path(self) -> Path:
        """The run directory."""
        return self._store.path

    @property
    def config(self) -> RunConfig:
        """The run's full, validated configuration (config.json)."""
        return from_dict(RunConfig, self._store.readable_config())

    @property
    def card(self) -> RunCard:
        """What the run is: modality, views, data (classes, factors), method (papers, formula),
        recipe and backbone, as written at its start (run_card.json, :mod:`sslcore.run_card`)."""
        return read_card(self._store)

    @property
    def status(self) -> RunStatus:
        """The run's state, step, total steps and message (see :class:`RunStatus`)."""
        raw = self._store.status() or {}
        return RunStatus(
            state=str(raw.get("state", "queued")),
            step=int(raw.get("step", 0)),
            total_steps=int(raw.get("total_steps", 0)),
            message=str(raw.get("message", "")),
        )

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per logged step (metrics.jsonl): ``step``, ``loss`` and its components,
        ``lr``, throughput, and every ``monitor.eval_every`` steps ``knn_accuracy``,
        ``rankme`` and ``feature_std`` (NaN on the rows between).

        metrics.jsonl writes the training figures and the monitor's figures of a step as two
        lines; here they are one row.
        """
        rows = pd.DataFrame(self._store.metrics())
        return rows.groupby("step", as_index=False).first() if "step" in rows else rows

    def embeddings(self, step: int | None = None) -> dict[str, np.ndarray]:
        """The probe set's embeddings recorded at ``step`` (default: the latest).

        Returns:
            ``features`` (N, out_dim) float32, ``ids`` (N,) indices into the test split,
            ``images`` (N, H, W, C) uint8, and where the data has them ``labels`` (N,) and
            ``factor_<name>`` (N,) per generative factor (``shapes``: shape, colour, size...).

        Raises:
            LookupError: nothing was recorded at that step (the message lists the steps).
        """
        arrays = self._store.load_embeddings(step)
        if arrays is None:
            steps = self._store.embedding_steps()
            raise LookupError(
                f"run {self.id} has no embeddings at step {'latest' if step is None else step}; "
                f"recorded steps: {steps or 'none yet (the first come at monitor.eval_every)'}"
            )
        return arrays

    def evaluate(
        self,
        protocol: str,
        labels_fraction: float | None = None,
        dataset: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Evaluate the run's last checkpoint, as ``sslcore eval`` does, and save the result.

        Runs in the foreground of this process; call :meth:`wait` first to evaluate the
        finished run rather than its latest checkpoint.

        Args:
            protocol: ``knn``, ``linear``, ``finetune``, ``supervised``, ``label-efficiency``,
                ``probes``, ``collapse`` or ``perplexity`` (see :mod:`sslcore.eval.run_eval`).
            labels_fraction: use only this class-balanced share of the training labels.
            dataset: evaluate on another dataset (transfer), e.g. ``"digits"``.
            **options: ``k``, ``temperature`` (knn), ``steps``, ``lr``, ``batch_size``...
                (finetune), ``device``.

        Returns:
            The result, also written to ``eval/<name>.json``: ``accuracy`` in [0, 1] where the
            protocol has one, plus ``n_train``, ``n_test``, ``seconds`` and its own figures.
        """
        return evaluate_run(self.path, protocol, labels_fraction, dataset=dataset, **options)

    def backbone(self, device: str = "cpu") -> TrainedBackbone:
        """The trained backbone (checkpoints/last.pt) in eval mode, as :func:`sslcore.load_backbone`
        gives it: (B, C, H, W) images in [0, 1] -> (B, out_dim) features h; ``preprocess``
        prepares an image of any size the way the run's data was."""
        return load_backbone(self.path, map_location=device)

    # --- control: through the job manager of the run's runs directory ----------------------
    def _manager(self) -> JobManager:
        return get_manager(self.path.parent)

    def wait(self, timeout: float | None = None) -> Run:
        """Block until the run ends (finished, stopped, failed, interrupted); return the run.

        Works for runs training in this process and for runs written by another one (the
        command line, a cluster job), since it watches status.json. A failed run does not
        raise: its ``status.message`` says why.

        Raises:
            TimeoutError: the run was still going after ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.status.done:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {self.id} is still {self.status.state} after {timeout} s")
            time.sleep(POLL_S)
        return self

    def pause(self) -> Run:
        """Pause a run training in this process (it keeps its place; :meth:`resume` goes on)."""
        self._manager().pause(self.id)
        return self

    def resume(self, steps: int | None = None) -> Run:
        """Go on: a paused run continues where it is; a run that ended (stopped, interrupted,
        finished) trains again from its last checkpoint, up to ``steps`` in total when given."""
        manager = self._manager()
        if manager.is_live(self.id) and steps is None:
            manager.resume(self.id)
        else:
            manager.resume_run(self.id, steps=steps)
        return self

    def stop(self) -> Run:
        """Stop a run of this process: a queued one leaves the queue, a training one saves a
        checkpoint and ends as ``stopped`` (wait for it with :meth:`wait`)."""
        self._manager().stop(self.id)
        return self

    def __repr__(self) -> str:
        status = self.status
        losses = [row["loss"] for row in self._store.metrics() if "loss" in row]
        loss = f", loss {losses[-1]:.4f}" if losses else ""
        detail = f": {status.message}" if status.state in ("failed", "interrupted") else ""
        return (
            f"Run({self.id!r}, {status.state}{detail}, "
            f"step {status.step}/{status.total_steps}{loss})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Run) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)


def _resolve_key(key: str, objective: str) -> str:
    """The dotted config path a keyword of :func:`train` names (see its docstring)."""
    if "." in key:
        return key
    if key == "backbone":
        return "backbone.name"
    if key in {f.name for f in dataclasses.fields(RunConfig)} - set(SECTIONS):
        return key
    sections: dict[str, type] = dict(SECTIONS)
    if objective in OBJECTIVES:  # an unknown one is refused by its recipe, naming the field
        sections["objective.params"] = OBJECTIVES[objective].Config
    owners = [
        f"{section}.{key}"
        for section, cls in sections.items()
        if key in {f.name for f in dataclasses.fields(cls)}
    ]
    if len(owners) == 1:
        return owners[0]
    if owners:
        raise ConfigError(key, f"is ambiguous: write one of {', '.join(owners)}")
    raise ConfigError(
        key,
        f"is not a setting of the run or of {objective}: use a field name such as steps, lr, "
        "dataset, or a dotted path such as **{'optim.lr': 0.1}",
    )


def build_config(
    config: RunConfig | str | Path | None = None,
    *,
    objective: str | None = None,
    augment: str | None = None,
    **overrides: Any,
) -> RunConfig:
    """The RunConfig :func:`train` would start, without starting it (same arguments)."""
    given = load_config(config) if isinstance(config, (str, Path)) else config
    cfg = given or RunConfig()
    name = objective or cfg.objective.name
    changes = {_resolve_key(key, name): value for key, value in overrides.items()}
    if objective is not None or given is None:
        if "data.dataset" in changes:  # the recipe depends on the data (photographs differ)
            cfg = replace(cfg, **{"data.dataset": changes["data.dataset"]})
        cfg = recipe_config(name, cfg)
    if augment is not None:
        changes = {f"augment.{k}": v for k, v in augment_preset_dict(augment).items()} | changes
    return replace(cfg, **changes) if changes else cfg


def train(
    config: RunConfig | str | Path | None = None,
    *,
    objective: str | None = None,
    augment: str | None = None,
    runs_dir: str | Path = "runs",
    **overrides: Any,
) -> Run:
    """Start a training run in the background of this process and return its :class:`Run`.

    The configuration is built as ``sslcore train`` builds it:

    1. ``config``: a :class:`~sslcore.config.RunConfig`, or the path of one saved as JSON or
       YAML; without it, the recipe of ``objective`` (default ``simclr``) on the default data.
    2. ``objective``: loads that method's recipe (augmentations, backbone, optimizer, tuned so
       that it learns), keeping the data and run settings of ``config``.
    3. ``augment``: an augmentation preset (none, weak, simclr, byol, photo, photo_byol, mae).
    4. ``**overrides``, last. A keyword is a field name where that is unambiguous
       (``steps=200``, ``lr=1e-3``, ``batch_size=64``, ``dataset="digits"``,
       ``image_size=32``, ``eval_every=25``, ``seed=1``), ``backbone="resnet18"``, a
       hyperparameter of the objective (``temperature=0.5``), or any dotted path passed as
       ``**{"optim.lr": 0.1, "augment.hue_jitter": 0.0}``.

    Example::

        run = sslcore.train(objective="byol", dataset="shapes", steps=300, **{"optim.lr": 3e-3})
        run.wait()

    Args:
        runs_dir: the folder of run directories (the lab's ``--runs-dir``; default ``runs``).

    Returns:
        The run, queued at once: one run trains at a time on a CPU (one per GPU), the others
        wait their turn.

    Raises:
        ConfigError: a setting is unknown or not allowed; the message names the field and
            what is allowed.
    """
    cfg = build_config(config, objective=objective, augment=augment, **overrides)
    manager = get_manager(runs_dir)
    run_id = manager.start(cfg, owner=OWNER)
    return Run(manager.runs_dir / run_id)


def load_run(path: str | Path, runs_dir: str | Path = "runs") -> Run:
    """The :class:`Run` of an existing run directory, or of a run id in ``runs_dir``.

    Raises:
        FileNotFoundError: there is no run (no config.json) there.
    """
    folder = Path(path)
    if not RunStore(folder).exists() and RUN_ID_PATTERN.match(str(path)):
        folder = Path(runs_dir) / str(path)
    if not RunStore(folder).exists():
        raise FileNotFoundError(f"{path} is not a run directory (no config.json in {folder})")
    return Run(folder)


def runs(runs_dir: str | Path = "runs") -> list[Run]:
    """Every run in ``runs_dir``, newest first, whoever wrote it."""
    return [Run(store.path) for store in list_runs(runs_dir)]
