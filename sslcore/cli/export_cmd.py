"""``sslcore export RUN --format safetensors|torchvision|projector``: take the representation out.

RUN is a run directory, or a run id in ``--runs-dir``. The files go to ``--out`` (default
``./<run id>-<format>``); for the projector that folder is a TensorBoard log directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sslcore.export import FORMATS, export_run
from sslcore.store import safe_run_dir

NEXT_STEP = {
    "safetensors": "load it with sslcore.load_backbone(RUN), or any safetensors reader",
    "torchvision": "build the torchvision model and load the weights as the .py file shows",
    "projector": "view it with: tensorboard --logdir {out}  (the Projector tab)",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="export a run's backbone (safetensors, torchvision) or embeddings"
    )
    p.add_argument("run", metavar="RUN", help="a run directory, or a run id in --runs-dir")
    p.add_argument(
        "--format",
        required=True,
        choices=FORMATS,
        help="safetensors: the backbone's weights; torchvision: a state dict a torchvision "
        "ResNet or ViT loads with strict=True; projector: the latest embeddings for "
        "TensorBoard's Embedding Projector",
    )
    p.add_argument(
        "--out", type=Path, help="folder to write the files into (default: ./<run id>-<format>)"
    )
    p.add_argument(
        "--runs-dir",
        type=Path,
        default=Path("runs"),
        help="where to look RUN up when it is a run id (default: ./runs)",
    )
    p.set_defaults(func=export)


def run_dir(run: str, runs_dir: Path) -> Path:
    """RUN as given when it is a folder or a path, else the run id's folder in ``runs_dir``."""
    path = Path(run)
    return path if path.is_dir() or len(path.parts) > 1 else safe_run_dir(runs_dir, run)


def export(args: argparse.Namespace) -> int:
    path = run_dir(args.run, args.runs_dir)
    out = args.out or Path(f"{path.name}-{args.format}")
    for written in export_run(path, args.format, out):
        print(written)
    print(NEXT_STEP[args.format].format(out=out))
    return 0
