"""Tokenizers: text -> integer token ids, and back.

A language model never sees letters: it sees token ids, indices into a vocabulary. Three ways
to cut text into tokens are offered, from the smallest vocabulary to the largest:

- ``chars``: one token per character (a vocabulary of ~100). Sequences are long and every word
  must be spelled out, but no word is ever unknown.
- ``words``: one token per word or punctuation mark (the most frequent few thousand). Short
  sequences, but rare words become ``<unk>``.
- ``bpe``: byte-pair encoding (Sennrich et al., 2016), the middle way GPT and its successors
  use: start from characters and repeatedly merge the most frequent adjacent pair into a new
  token, so common words become one token and rare ones a few pieces (see :mod:`text_bpe`).

Every tokenizer reserves the same special ids, so objectives need no tokenizer to use them:
``PAD`` fills short sequences, ``MASK`` hides a token from a masked language model, ``UNK``
stands for anything outside the vocabulary.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import torch
from torch import Tensor

from sslcore.data.text_bpe import apply_merges, learn_merges

PAD, MASK, UNK = 0, 1, 2
SPECIAL_TOKENS = ("<pad>", "<mask>", "<unk>")
TOKENIZERS = ("chars", "words", "bpe")
MAX_WORDS = 4000  # the word vocabulary: the most frequent words of the corpus
BPE_MERGES = 500
_WORD = re.compile(r"\w+|[^\w\s]")
_NO_SPACE_BEFORE = frozenset(".,;:!?)]}")


class Tokenizer:
    """A vocabulary and the rule that cuts text into its pieces.

    Attributes:
        kind: ``chars``, ``words`` or ``bpe``.
        pieces: the vocabulary, index = token id (the special tokens first).
        merges: the BPE merge rules in the order they were learned (``bpe`` only).
    """

    def __init__(self, kind: str, pieces: Sequence[str], merges: Sequence[tuple[str, str]] = ()):
        self.kind = kind
        self.pieces = list(pieces)
        self.merges = list(merges)
        self.ids = {piece: i for i, piece in enumerate(self.pieces)}
        self._ranks = {pair: rank for rank, pair in enumerate(self.merges)}
        self._word_pieces: dict[str, list[str]] = {}  # BPE cuts each distinct word once

    @property
    def vocab_size(self) -> int:
        return len(self.pieces)

    def split(self, text: str) -> list[str]:
        """The pieces of ``text`` (before they become ids)."""
        if self.kind == "chars":
            return list(text)
        words = _WORD.findall(text)
        if self.kind == "words":
            return words
        return [piece for word in words for piece in self._cut(word)]

    def _cut(self, word: str) -> list[str]:
        if word not in self._word_pieces:
            self._word_pieces[word] = apply_merges(word, self._ranks)
        return self._word_pieces[word]

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; pieces outside the vocabulary become ``UNK``."""
        return [self.ids.get(piece, UNK) for piece in self.split(text)]

    def encode_batch(self, texts: Sequence[str], length: int) -> Tensor:
        """(N, length) int64 ids: each text cut to ``length`` tokens or padded with ``PAD``."""
        out = torch.full((len(texts), length), PAD, dtype=torch.long)
        for row, text in enumerate(texts):
            ids = self.encode(text)[:length]
            out[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        return out

    def decode_pieces(self, ids: Sequence[int]) -> list[str]:
        """The text of each token, padding dropped (words and BPE word starts get a space)."""
        pieces: list[str] = []
        for i in ids:
            if i == PAD:
                continue
            piece = self.pieces[i] if 0 <= i < len(self.pieces) else SPECIAL_TOKENS[UNK]
            if i == MASK:
                piece = "▢"
            joined = piece.startswith("##") or piece in _NO_SPACE_BEFORE
            if self.kind != "chars" and pieces and not joined:
                piece = " " + piece
            pieces.append(piece.removeprefix("##") if self.kind == "bpe" else piece)
        return pieces

    def decode(self, ids: Sequence[int]) -> str:
        """Text from token ids (spacing is approximate for ``words``: one space between)."""
        return "".join(self.decode_pieces(ids))

    def decode_marked(self, ids: Sequence[int], marked: Sequence[bool]) -> str:
        """Text from token ids with each run of marked tokens ``⟦bracketed⟧`` (padding dropped)."""
        kept = [(i, m) for i, m in zip(ids, marked, strict=True) if i != PAD]
        pieces = self.decode_pieces([i for i, _ in kept])
        out, inside = [], False
        for piece, (_, mark) in zip(pieces, kept, strict=True):
            if mark and not inside:
                stripped = piece.lstrip(" ")
                piece = piece[: len(piece) - len(stripped)] + "⟦" + stripped
            elif inside and not mark:
                out.append("⟧")
            inside = bool(mark)
            out.append(piece)
        return "".join(out) + ("⟧" if inside else "")


def build_tokenizer(kind: str, texts: Sequence[str]) -> Tokenizer:
    """A tokenizer of ``kind`` whose vocabulary is learned from ``texts`` (deterministically).

    Raises:
        ValueError: ``kind`` is not one of :data:`TOKENIZERS`, or ``texts`` is empty.
    """
    if kind not in TOKENIZERS:
        raise ValueError(f"tokenizer {kind!r} is not known: use one of {', '.join(TOKENIZERS)}")
    if not texts:
        raise ValueError("cannot learn a vocabulary from no text")
    if kind == "chars":
        counts = Counter(ch for text in texts for ch in text)
        return Tokenizer(kind, [*SPECIAL_TOKENS, *_by_frequency(counts)])
    words = Counter(word for text in texts for word in _WORD.findall(text))
    if kind == "words":
        return Tokenizer(kind, [*SPECIAL_TOKENS, *_by_frequency(words)[:MAX_WORDS]])
    merges = learn_merges(words, BPE_MERGES)
    ranks = {pair: rank for rank, pair in enumerate(merges)}
    pieces: Counter[str] = Counter()
    for word, count in words.items():
        for piece in apply_merges(word, ranks):
            pieces[piece] += count
    return Tokenizer(kind, [*SPECIAL_TOKENS, *_by_frequency(pieces)], merges)


def _by_frequency(counts: Counter[str]) -> list[str]:
    """Most frequent first, ties broken alphabetically (the same corpus, the same vocabulary)."""
    return [piece for piece, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
