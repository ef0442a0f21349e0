"""``sslcore train`` and ``sslcore resume``: train in the foreground with a progress line."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from sslcore import distributed
from sslcore.augment.presets import PRESET_SETTINGS
from sslcore.cli.config_flags import add_config_flag, config_field
from sslcore.cli.errors import USAGE, explain
from sslcore.cli.progress import Progress
from sslcore.config import RunConfig, field_choices, load_config, load_yaml, replace
from sslcore.device import resolve_device
from sslcore.lifecycle import Writer, begin_resume, create_run, plan_resume
from sslcore.recipes import augment_preset_dict, recipe_config
from sslcore.store import RunStore, new_run_id, safe_run_dir
from sslcore.train import Trainer
from sslcore.train.control import RunControl
from sslcore.train.failures import record_failure

INTERRUPTING = (signal.SIGINT, signal.SIGTERM)

FLAGS = {  # command-line flag -> dotted config field
    "dataset": "data.dataset",
    "download": "data.download",
    "image_size": "data.image_size",
    "backbone": "backbone.name",
    "steps": "optim.steps",
    "batch_size": "optim.batch_size",
    "lr": "optim.lr",
    "optimizer": "optim.optimizer",
    "precision": "optim.precision",
    "seed": "seed",
    "device": "device",
    "name": "name",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a run in the foreground")
    p.add_argument("--config", type=Path, help="a RunConfig as JSON or YAML to start from")
    p.add_argument(
        "--objective",
        choices=field_choices(config_field("objective.name")),
        metavar="NAME",
        help="the self-supervised method; loads its recipe (augmentations, backbone, optimiser) "
        "for the dataset, which the flags after it override; one of: %(choices)s",
    )
    p.add_argument(
        "--augment",
        choices=list(PRESET_SETTINGS),
        help="an augmentation preset instead of the recipe's",
    )
    for flag, dotted in FLAGS.items():
        add_config_flag(p, flag, dotted)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="any config field by its dotted path, e.g. --set monitor.eval_every=25",
    )
    p.add_argument(
        "--runs-dir", type=Path, default=Path("runs"), help="where the run folder goes (./runs)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or lines")
    p.set_defaults(func=train)

    r = sub.add_parser("resume", help="continue a run from its last checkpoint")
    r.add_argument("run_dir", type=Path, help="the run directory to continue")
    r.add_argument("--steps", type=int, help="new total number of steps")
    r.add_argument("--quiet", action="store_true", help="no progress bar or lines")
    r.set_defaults(func=resume)


def _parse_value(text: str) -> Any:
    """A ``--set`` value read as YAML (``3``, ``1e-3``, ``true``); text YAML cannot parse stays
    a string, so the config check names the field and what it allows. Aliases are refused
    (see :func:`sslcore.config.load_yaml`)."""
    try:
        return load_yaml(text, "--set")
    except yaml.YAMLError:
        return text


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """The RunConfig the flags describe: file or defaults, then recipe, preset, flags, --set."""
    config = load_config(args.config) if args.config else RunConfig()
    if args.objective:
        if args.dataset:  # the recipe depends on the data (photographs get lightly's)
            config = replace(config, **{"data.dataset": args.dataset})
        config = recipe_config(args.objective, config)
    changes: dict[str, Any] = {}
    if args.augment:
        changes.update({f"augment.{k}": v for k, v in augment_preset_dict(args.augment).items()})
    for flag, dotted in FLAGS.items():
        value = getattr(args, flag)
        if value is not None:
            changes[dotted] = value
    for item in args.set:
        if "=" not in item:
            raise ValueError(f"--set {item!r}: expected FIELD=VALUE, e.g. optim.lr=0.001")
        key, value = item.split("=", 1)
        changes[key.strip()] = _parse_value(value)
    return replace(config, **changes) if changes else config


def join_torchrun(config: RunConfig) -> None:
    """Under torchrun, join the process group and check that the batch splits over it."""
    distributed.init_from_env(resolve_device(config.device))
    distributed.local_batch_size(config.optim.batch_size)


@contextmanager
def signals_interrupt(control: RunControl) -> Iterator[None]:
    """While training, Ctrl-C (SIGINT) and SIGTERM ask the loop to finish its step, write a
    checkpoint and end ``interrupted``; a second signal of the same kind ends the process at
    once (the run then reads as interrupted from its last periodic checkpoint)."""

    def handle(signum: int, frame: object) -> None:
        signal.signal(signum, previous[signal.Signals(signum)])  # the next one is not caught
        control.interrupt(signal.Signals(signum).name)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers (e.g. main() called from a test)
        return
    previous = {s: signal.getsignal(s) for s in INTERRUPTING}
    for signum in INTERRUPTING:
        signal.signal(signum, handle)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run(writer: Writer | None, store: RunStore, config: RunConfig, quiet: bool) -> int:
    """Train ``store``'s run in the foreground; ``writer`` holds its lock (None off rank 0)."""
    main = distributed.is_main()
    quiet = quiet or not main  # one progress line and one summary per torchrun job
    progress = Progress(config.optim.steps, quiet)
    control = RunControl()
    resume = writer.resume if writer else True
    try:
        with signals_interrupt(control):
            summary = Trainer(config, store, control, on_progress=progress).run(resume=resume)
    except Exception as err:  # the run directory must say why the run ended
        message = record_failure(store, err, config)
        if explain(err)[1] == USAGE:
            raise  # bad input (data, paths, checkpoint): one line and exit code 2 from main
        print(f"sslcore: run {store.run_id} failed: {message}", file=sys.stderr)
        return 1
    finally:
        progress.close()
        distributed.close()
        if writer is not None:
            writer.close()
    if not main and summary["state"] != "failed":
        return 0
    if summary["state"] == "failed":
        print(f"sslcore: run {store.run_id} failed: {summary['message']}", file=sys.stderr)
        return 1
    if summary["state"] == "interrupted":
        print(
            f"sslcore: run {store.run_id} interrupted at step {summary['step']} (checkpoint "
            f"saved); continue with: sslcore resume {store.path}",
            file=sys.stderr,
        )
        return 128 + int(getattr(signal, control.interrupted_by, signal.SIGINT))
    knn = summary.get("knn_accuracy")
    knn0 = summary.get("knn_accuracy_start")
    print(
        f"run {store.run_id} {summary['state']} at step {summary['step']}: "
        f"loss {summary['first_loss']:.4f} -> {summary['final_loss']:.4f}"
        + (f", kNN accuracy {knn0:.1%} -> {knn:.1%}" if knn is not None else "")
        + f"\n  {store.path}"
    )
    return 0


def train(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    join_torchrun(config)
    run_id = distributed.from_main(new_run_id(config.name or config.objective.name))
    if not distributed.is_main():  # rank 0 alone creates and writes the run
        store = distributed.store_for_this_process(safe_run_dir(args.runs_dir, run_id))
        return _run(None, store, config, quiet=args.quiet)
    writer = create_run(args.runs_dir, config, owner="cli", run_id=run_id)
    return _run(writer, writer.store, config, quiet=args.quiet)


def resume(args: argparse.Namespace) -> int:
    plan = plan_resume(RunStore(args.run_dir), args.steps)  # checks all; writes nothing
    join_torchrun(plan.config)
    if not distributed.is_main():
        store = distributed.store_for_this_process(args.run_dir)
        return _run(None, store, plan.config, quiet=args.quiet)
    writer = begin_resume(plan)
    return _run(writer, writer.store, plan.config, quiet=args.quiet)
