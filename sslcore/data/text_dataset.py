"""The in-memory text dataset: token ids where an image dataset keeps its pixels.

A :class:`TextDataset` is an :class:`~sslcore.data.dataset.ImageDataset` whose ``images`` are
(N, L) int64 token ids, one row per document, cut or padded to the context length L. So the
trainer, the batch schedule, the monitor's probe and bank subsets and the run store handle text
with the code they use for images: a batch is still ``dataset.images[indices]``. What is new is
kept beside the ids: the documents themselves (``texts``, shown on the pages and in hovers) and
the ``tokenizer`` that turns ids back into text. ``channels`` is the vocabulary size and
``size`` the context length: the two numbers a text backbone is built for.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import torch
from torch import Tensor

from sslcore.data.dataset import ImageDataset
from sslcore.data.split import split_indices
from sslcore.data.text_files import load_text_path
from sslcore.data.text_stdlib_docs import load_stdlib_docs
from sslcore.data.text_tokenizers import Tokenizer, build_tokenizer

TEXT_DATASETS = ("stdlib_docs",)
TEXT_PREFIX = "text:"


def is_text_dataset(name: str) -> bool:
    """Whether ``data.dataset`` names text (``stdlib_docs`` or ``text:<path>``)."""
    return name in TEXT_DATASETS or name.startswith(TEXT_PREFIX)


@dataclass
class TextDataset(ImageDataset):
    """One split of a text corpus.

    Attributes:
        images: (N, L) int64 token ids (``PAD`` after the end of a short document).
        texts: the documents, index-aligned with the rows of ``images``.
        tokenizer: turns ids back into text (shared by both splits of a corpus).
    """

    texts: list[str] = field(default_factory=list)
    tokenizer: Tokenizer | None = None

    @property
    def tokens(self) -> Tensor:
        """(N, L) int64 token ids (the same tensor as ``images``)."""
        return self.images

    @property
    def channels(self) -> int:
        """The vocabulary size (what a text backbone's embedding table needs)."""
        return self.tokenizer.vocab_size if self.tokenizer is not None else 0

    @property
    def size(self) -> int:
        """The context length L in tokens."""
        return int(self.images.shape[1])

    def subset(self, index: Tensor) -> TextDataset:
        """The documents (ids, texts, labels) at ``index``."""
        return TextDataset(
            name=self.name,
            images=self.images[index],
            labels=None if self.labels is None else self.labels[index],
            classes=self.classes,
            texts=[self.texts[int(i)] for i in index.reshape(-1)],
            tokenizer=self.tokenizer,
        )


@functools.lru_cache(maxsize=2)
def _documents(name: str) -> tuple[tuple[str, ...], tuple[int, ...] | None, tuple[str, ...]]:
    """The documents of a corpus, read once per process."""
    if name in TEXT_DATASETS:
        texts, labels, names = load_stdlib_docs()
    else:
        texts, labels, names = load_text_path(name.removeprefix(TEXT_PREFIX))  # type: ignore[assignment]
    return tuple(texts), None if labels is None else tuple(labels), tuple(names)


def load_text_splits(
    name: str, tokenizer: str, context_length: int, test_fraction: float, seed: int
) -> tuple[TextDataset, TextDataset]:
    """Train and test splits of a text corpus, tokenised with a vocabulary learned on train.

    Args:
        name: ``stdlib_docs`` or ``text:<path>``.
        tokenizer: ``chars``, ``words`` or ``bpe`` (see :mod:`sslcore.data.text_tokenizers`).
        context_length: tokens per document (longer ones are cut, shorter ones padded).
        test_fraction: the held-out share of the documents (seeded by ``seed``).
    """
    texts, labels, names = _documents(name)
    parts = split_indices(len(texts), test_fraction, seed)
    train_texts = [texts[int(i)] for i in parts[0]]
    vocabulary = build_tokenizer(tokenizer, train_texts)

    def dataset(index: Tensor) -> TextDataset:
        chosen = [texts[int(i)] for i in index]
        return TextDataset(
            name=name,
            images=vocabulary.encode_batch(chosen, context_length),
            labels=None if labels is None else torch.tensor(labels, dtype=torch.long)[index],
            classes=list(names),
            texts=chosen,
            tokenizer=vocabulary,
        )

    return dataset(parts[0]), dataset(parts[1])
