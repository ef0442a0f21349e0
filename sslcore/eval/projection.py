"""2-D maps of the embedding (UMAP, PCA, t-SNE) that evolve smoothly while a model trains.

A live map redrawn from scratch at every frame jumps around: UMAP and t-SNE are free to rotate,
mirror and shuffle the clusters each time. Two measures keep it still:

1. each new frame starts from the previous layout (``init=`` the previous coordinates of the
   same image ids; an image new to the map starts at its nearest old neighbour's place), so the
   optimisation only moves what the new features moved;
2. the new frame is then aligned to the previous one by orthogonal Procrustes (the rotation,
   mirror and shift that best match the shared points), which removes the remaining
   arbitrary orientation, and scaled so the shared points keep the previous frame's spread.

The scale is not Procrustes' least-squares one: that one shrinks a frame by how little it
agrees with the last (a correlation below 1), and frames chained one from another shrink by the
product, so replaying a run's steps drew the map as a clump, then a dot, even back at the last
step. Matching the spread keeps every frame the size of the first.

UMAP (McInnes et al. 2018, https://arxiv.org/abs/1802.03426) compiles its kernels with numba on
first use (tens of seconds per process here). :func:`warm_up` pays that in a background thread
when a page first asks for a UMAP map (not when the lab starts: the compile holds a core and
the GIL, and beside a run's first steps it tripled the time to the first loss point);
:func:`is_warm` says when a fit will no longer compile, so a page can show PCA meanwhile
instead of blocking. All fits share one lock (numba compilation and
UMAP's internals are not safe to run twice at once) and are seeded, so a layout is reproducible.
"""

from __future__ import annotations

import logging
import threading
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from scipy.linalg import orthogonal_procrustes

log = logging.getLogger(__name__)

METHODS = ("umap", "pca", "tsne")
MAX_POINTS = 5000
MIN_POINTS = 5
# Fewer shared points than this cannot pin a layout down: the frame starts afresh.
MIN_SHARED = 3
UMAP_NEIGHBOURS = 15
# Epochs of a frame that starts from the previous layout: it only has to follow the change.
UMAP_FOLLOW_EPOCHS = 200

TSNE_FOLLOW_ITERATIONS = 300

_FIT_LOCK = threading.Lock()
_WARM_UP_LOCK = threading.Lock()
_WARM = threading.Event()
_warm_thread: threading.Thread | None = None


@dataclass(frozen=True)
class Layout:
    """2-D coordinates of a set of images.

    Attributes:
        ids: (N,) image ids (stable across frames, e.g. dataset indices).
        coords: (N, 2) float coordinates, row-aligned with ``ids``.
    """

    ids: np.ndarray
    coords: np.ndarray


def warm_up() -> threading.Thread:
    """Compile UMAP in a daemon thread (once per process) and return that thread."""
    global _warm_thread
    with _WARM_UP_LOCK:
        if _warm_thread is None:
            _warm_thread = threading.Thread(target=_compile, name="umap-warm-up", daemon=True)
            _warm_thread.start()
        return _warm_thread


def is_warm() -> bool:
    """True once a UMAP fit no longer pays for compilation."""
    return _WARM.is_set()


def _compile() -> None:
    rng = np.random.default_rng(0)
    # One cloud gives a connected neighbour graph, far-apart blobs a disconnected one: UMAP
    # lays these out by different compiled code, and real embeddings produce both.
    cloud = rng.normal(size=(300, 16))
    blobs = cloud + 100.0 * rng.normal(size=(6, 16))[rng.integers(0, 6, size=300)]
    with _FIT_LOCK:
        _umap(cloud.astype(np.float32), None, seed=0)
        first = _umap(blobs.astype(np.float32), None, seed=0)
        _umap(blobs.astype(np.float32), first, seed=0)  # initialisation from a layout
    _WARM.set()
    log.info("UMAP is compiled")


def cosine_neighbours(
    x: np.ndarray, k: int, chunk_size: int = 1024
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours by cosine distance, each point first in its own list.

    UMAP's own search for small sets calls a Python-level metric N² times (about 70 s for
    2,000 points here) and switches to a separately compiled approximate search from 4,096
    points on; one matrix product does it in milliseconds, for every size alike.

    Returns:
        ``(indices, distances)``, both (N, k); distances are 1 − cosine similarity.
    """
    z = torch.nn.functional.normalize(torch.from_numpy(x).float(), dim=1)
    indices, distances = [], []
    for start in range(0, z.shape[0], chunk_size):
        similarity = z[start : start + chunk_size] @ z.T  # (chunk, N)
        rows = torch.arange(similarity.shape[0])
        similarity[rows, rows + start] = float("inf")  # the point itself comes first
        top = similarity.topk(k, dim=1)
        distance = (1 - top.values).clamp_min(0)
        distance[:, 0] = 0.0
        indices.append(top.indices)
        distances.append(distance)
    return torch.cat(indices).numpy(), torch.cat(distances).numpy()


def _umap(x: np.ndarray, init: np.ndarray | None, seed: int) -> np.ndarray:
    import umap  # imported on first use: loading it takes seconds

    n_neighbors = min(UMAP_NEIGHBOURS, x.shape[0] - 1)
    knn_indices, knn_distances = cosine_neighbours(x, n_neighbors)
    reducer = umap.UMAP(
        n_neighbors=n_neighbors,
        n_components=2,
        metric="cosine",
        precomputed_knn=(knn_indices, knn_distances),
        init="spectral" if init is None else init,
        n_epochs=None if init is None else UMAP_FOLLOW_EPOCHS,
        random_state=seed,
        n_jobs=1,
    )
    with warnings.catch_warnings():
        # We pass no search index (we never transform new points) and a seed (which makes
        # UMAP single-threaded): both are deliberate, and UMAP warns about each.
        warnings.simplefilter("ignore", UserWarning)
        coords = reducer.fit_transform(x)
    return np.asarray(coords, dtype=np.float64)


def _pca(x: np.ndarray) -> np.ndarray:
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    if coords.shape[1] < 2:  # one-dimensional features: a flat second axis
        coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    return coords


def _tsne(x: np.ndarray, init: np.ndarray | None, seed: int) -> np.ndarray:
    from sklearn.manifold import TSNE  # imported on first use: loading sklearn takes a second

    # A frame that starts from a layout skips the early exaggeration (which exists to form
    # clusters from a random start) and needs fewer iterations to follow the change.
    follow = init is not None
    tsne = TSNE(
        n_components=2,
        perplexity=min(30.0, (x.shape[0] - 1) / 3),
        init=init if follow else "pca",
        early_exaggeration=1.0 if follow else 12.0,
        max_iter=TSNE_FOLLOW_ITERATIONS if follow else 1000,
        random_state=seed,
    )
    return np.asarray(tsne.fit_transform(x), dtype=np.float64)


def _match(ids: np.ndarray, previous: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``ids`` that ``previous`` also has, and their rows in ``previous``."""
    position = {int(i): row for row, i in enumerate(previous.ids)}
    here = np.array([row for row, i in enumerate(ids) if int(i) in position], dtype=np.int64)
    there = np.array([position[int(ids[row])] for row in here], dtype=np.int64)
    return here, there


def _initial_layout(
    x: np.ndarray, here: np.ndarray, there: np.ndarray, previous: Layout
) -> np.ndarray:
    """Previous coordinates for known ids; a new image starts at its nearest known neighbour."""
    init = np.empty((x.shape[0], 2))
    init[here] = previous.coords[there]
    new = np.setdiff1d(np.arange(x.shape[0]), here)
    if new.size:
        known = x[here]
        distances = ((x[new, None, :] - known[None, :, :]) ** 2).sum(-1)  # (new, known)
        init[new] = init[here[distances.argmin(axis=1)]]
    # UMAP adds jitter only to exact duplicates; a tiny spread keeps t-SNE's gradients defined.
    spread = np.ptp(init, axis=0).max() or 1.0
    return init + np.random.default_rng(0).normal(scale=1e-4 * spread, size=init.shape)


def procrustes_align(
    coords: np.ndarray, reference: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """Move ``coords`` by the rotation (or mirror) and shift that best fit ``reference`` in the
    least-squares sense (orthogonal Procrustes), scaled so the shared points have the
    reference's spread (root-mean-square distance from their centre).

    Args:
        coords: (N, 2) coordinates to move.
        reference: (M, 2) target coordinates of the shared points.
        rows: (M,) rows of ``coords`` that ``reference`` holds, in its order (default: all,
            M = N). The fitted transform is applied to every row of ``coords``.
    """
    shared = coords if rows is None else coords[rows]
    mean_c, mean_r = shared.mean(axis=0), reference.mean(axis=0)
    centred_c, centred_r = shared - mean_c, reference - mean_r
    norm_c = np.linalg.norm(centred_c)
    if norm_c == 0:  # all shared points coincide: only the shift is defined
        return coords - mean_c + mean_r
    rotation, _ = orthogonal_procrustes(centred_c, centred_r)
    scale = np.linalg.norm(centred_r) / norm_c  # not the least-squares scale: see the module
    return (coords - mean_c) @ rotation * scale + mean_r


def project(
    features: np.ndarray,
    method: str = "umap",
    previous: Layout | np.ndarray | None = None,
    seed: int = 0,
    ids: np.ndarray | None = None,
) -> np.ndarray:
    """2-D coordinates of (N, d) features, continuing from a previous frame when given.

    Args:
        features: (N, d) features, 5 <= N <= 5,000.
        method: ``umap``, ``pca`` or ``tsne``.
        previous: the previous frame: a :class:`Layout` (matched to ``ids``), or an (N, 2)
            array row-aligned with ``features`` (the same images in the same order).
        seed: random state of UMAP and t-SNE.
        ids: (N,) image ids of the rows (default 0..N−1); needed to match a :class:`Layout`.

    Returns:
        (N, 2) float64 coordinates, aligned to ``previous`` where it shares images.
    """
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of: {', '.join(METHODS)}")
    x = np.asarray(features, dtype=np.float32)
    if x.ndim != 2 or not MIN_POINTS <= x.shape[0] <= MAX_POINTS:
        raise ValueError(
            f"features must be (N, d) with {MIN_POINTS} <= N <= {MAX_POINTS}, got {x.shape}; "
            "subsample the points first"
        )
    if not np.isfinite(x).all():
        raise ValueError("features contain NaN or infinite values (has the training diverged?)")
    ids = np.arange(x.shape[0]) if ids is None else np.asarray(ids)
    if ids.shape != (x.shape[0],):
        raise ValueError(f"ids must have shape ({x.shape[0]},), got {ids.shape}")
    if isinstance(previous, np.ndarray):
        if previous.shape != (x.shape[0], 2):
            raise ValueError(f"previous must be ({x.shape[0]}, 2), got {previous.shape}")
        previous = Layout(ids=ids, coords=previous)
    init, here, there = None, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if previous is not None:
        here, there = _match(ids, previous)
        if here.size >= MIN_SHARED:
            init = _initial_layout(x, here, there, previous)
    if method == "pca":
        coords = _pca(x)
    elif method == "tsne":
        with _FIT_LOCK:
            coords = _tsne(x, init, seed)
    else:
        with _FIT_LOCK:
            coords = _umap(x, init, seed)
        _WARM.set()
    if previous is not None and here.size >= MIN_SHARED:
        coords = procrustes_align(coords, previous.coords[there], here)
    return coords
