"""How fast does a live embedding map come back? (UMAP, PCA, t-SNE on 2,000 points.)

Prints the UMAP warm-up (numba compilation, paid once per process in a background thread),
the first UMAP frame after it (spectral start), a following frame (started from the previous
layout and aligned to it), and PCA and t-SNE frames; wall-clock and CPU seconds for each.
The goal: a following 2,000-point UMAP frame in under 3 s.

Run: ``.venv/bin/python benchmarks/projection_speed.py [--points 2000]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from sslcore.eval import projection


def timed(label: str, work: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    print(f"{label:34} wall {time.perf_counter() - wall:6.2f} s   "
          f"cpu {time.process_time() - cpu:6.2f} s")  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--dim", type=int, default=128)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, args.dim)) * 3
    x = centres[rng.integers(0, 10, args.points)] + rng.normal(size=(args.points, args.dim))
    x = x.astype(np.float32)
    nudged = x + 0.05 * rng.normal(size=x.shape).astype(np.float32)
    print(f"{args.points} points, {args.dim} dimensions")
    timed("UMAP warm-up (background thread)", lambda: projection.warm_up().join())
    first = timed("UMAP first frame", lambda: projection.project(x, "umap"))
    timed("UMAP following frame", lambda: projection.project(nudged, "umap", previous=first))
    pca = timed("PCA frame", lambda: projection.project(x, "pca"))
    timed("PCA following frame", lambda: projection.project(nudged, "pca", previous=pca))
    tsne = timed("t-SNE first frame", lambda: projection.project(x, "tsne"))
    timed("t-SNE following frame", lambda: projection.project(nudged, "tsne", previous=tsne))


if __name__ == "__main__":
    main()
