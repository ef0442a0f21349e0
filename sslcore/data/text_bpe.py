"""Byte-pair encoding: learn merge rules from word counts, then cut words with them.

BPE (Sennrich, Haddow and Birch, 2016, https://arxiv.org/abs/1508.07909) starts from single
characters and, again and again, merges the most frequent pair of adjacent symbols into one new
symbol. After a few hundred merges, frequent words ("the", "return") are single tokens and rare
ones fall apart into familiar pieces ("un", "##pick", "##ling"). Pieces after the first in a
word start with ``##``, so decoding knows where the spaces go.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

Pair = tuple[str, str]
CONTINUATION = "##"


def _symbols(word: str) -> list[str]:
    """The characters of ``word``, every one after the first marked as a continuation."""
    return [word[0], *(CONTINUATION + ch for ch in word[1:])] if word else []


def _merge(a: str, b: str) -> str:
    return a + b.removeprefix(CONTINUATION)


def learn_merges(word_counts: Mapping[str, int], n_merges: int) -> list[Pair]:
    """The first ``n_merges`` merge rules of ``word_counts`` (fewer if nothing is left to merge).

    Pair counts are updated incrementally: a merge only touches the words that contain it.
    Ties go to the alphabetically first pair, so the rules are deterministic.
    """
    words = {w: _symbols(w) for w in word_counts}
    pair_counts: Counter[Pair] = Counter()
    where: defaultdict[Pair, set[str]] = defaultdict(set)
    for w, symbols in words.items():
        for pair in zip(symbols, symbols[1:], strict=False):
            pair_counts[pair] += word_counts[w]
            where[pair].add(w)
    merges: list[Pair] = []
    while len(merges) < n_merges and pair_counts:
        best = min(pair_counts, key=lambda p: (-pair_counts[p], p))
        if pair_counts[best] < 2:
            break
        merges.append(best)
        for w in list(where.pop(best, ())):
            old = words[w]
            for pair in zip(old, old[1:], strict=False):
                pair_counts[pair] -= word_counts[w]
                if pair_counts[pair] <= 0:
                    del pair_counts[pair]
            new = _apply_one(old, best)
            words[w] = new
            for pair in zip(new, new[1:], strict=False):
                pair_counts[pair] += word_counts[w]
                where[pair].add(w)
    return merges


def _apply_one(symbols: list[str], pair: Pair) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(_merge(*pair))
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def apply_merges(word: str, merges: Sequence[Pair] | Mapping[Pair, int]) -> list[str]:
    """Cut ``word`` into pieces: apply the learned merges in the order they were learned.

    Args:
        word: one word (no spaces).
        merges: the rules from :func:`learn_merges`, or a mapping rule -> rank (faster).
    """
    ranks = merges if isinstance(merges, Mapping) else {p: r for r, p in enumerate(merges)}
    symbols = _symbols(word)
    while len(symbols) > 1:
        pairs = [(ranks.get(p, len(ranks)), p) for p in zip(symbols, symbols[1:], strict=False)]
        rank, pair = min(pairs)
        if rank == len(ranks):
            break
        symbols = _apply_one(symbols, pair)
    return symbols
