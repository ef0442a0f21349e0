"""Counter-based random numbers: the draw for image ``i`` depends only on (seed, stream, i).

A sequential generator makes image 5,000 depend on how many numbers were drawn before it, so a
dataset of 1,000 images would not be the first 1,000 of a dataset of 10,000. Hashing the counter
instead (SplitMix64, the finaliser Java's ``SplittableRandom`` uses) gives every image its own,
reproducible numbers, in any order and any batch, fully vectorised.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser: a bijective, well-mixed hash of uint64 values (wrapping)."""
    z = x.astype(np.uint64) + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def counter_uniform(seed: int, stream: int, index: np.ndarray, draws: int) -> np.ndarray:
    """Uniform numbers in [0, 1) for each index: (N, draws) float64.

    Args:
        seed: the dataset seed.
        stream: separates independent streams (e.g. 0 for train, 1 for test).
        index: (N,) non-negative integer positions.
        draws: how many numbers each index gets.
    """
    key = splitmix64(np.array([seed], dtype=np.uint64))
    key = splitmix64(key ^ np.uint64(stream))
    per_index = splitmix64(key ^ np.asarray(index, dtype=np.uint64))  # (N,)
    counters = per_index[:, None] + np.arange(draws, dtype=np.uint64)[None, :] * _GOLDEN
    bits = splitmix64(counters) >> np.uint64(11)  # 53 random bits
    return bits.astype(np.float64) * (1.0 / 2**53)
