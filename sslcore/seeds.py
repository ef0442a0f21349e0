"""How one run seed fans out into many independent, reproducible random streams.

A run has one ``seed``, but several things draw random numbers per epoch or per step: the batch
order of each epoch and the dropout masks of each step seed a generator with
``seed * SEED_STRIDE + k`` (k the epoch or the step). The stride is a prime larger than any k a
run reaches, so the streams of seed 0 (k = 0, 1, 2, ...) never meet those of seed 1. Each
distributed rank runs on ``seed + rank * SEED_STRIDE``, its own seed in the same spacing.
"""

SEED_STRIDE = 1_000_003
