"""What a method is, for a reader: its family, views, papers, loss formula and the idea in a line.

One card per registry name, assembled from what the engine already holds: the objective's class
(family, views, modality, the docstring's first paragraph and its ``References:``, the loss in
LaTeX and what keeps it from collapsing: ``formula`` and ``prevents_collapse``). The Learn page
shows these cards, and every run directory keeps its method's card inside its run card
(:mod:`sslcore.run_card`), so a viewer never re-derives either.
"""

from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass

from sslcore.objectives import OBJECTIVES

REFERENCE = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class MethodCard:
    """One self-supervised method as a reader sees it.

    Attributes:
        name: the registry name (``objective.name``), e.g. ``simclr``.
        title: the class name, e.g. ``SimCLR``.
        family: contrastive, distillation, redundancy, predictive or generative.
        modality: what it learns from: ``image`` or ``text``.
        n_views: augmented views per image (or sentence) in one step.
        default_augment: the augmentation preset of its default recipe.
        idea: the first paragraph of its docstring, the method in a few sentences.
        papers: its references, one line each ("SimCLR, 2020, https://arxiv.org/abs/...").
        formula: the loss in LaTeX.
        prevents_collapse: what keeps the embedding from collapsing to a point.
    """

    name: str
    title: str
    family: str
    modality: str
    n_views: int
    default_augment: str
    idea: str
    papers: tuple[str, ...]
    formula: str
    prevents_collapse: str


def papers(doc: str) -> tuple[str, ...]:
    """The numbered references of a docstring's ``References:`` paragraph, one line each."""
    _, found, rest = doc.partition("References:")
    if not found:
        return ()
    paragraph = rest.split("\n\n")[0]
    return tuple(" ".join(part.split()) for part in REFERENCE.split(paragraph) if part.strip())


def method_card(name: str) -> MethodCard:
    """The card of the objective registered as ``name``.

    Raises:
        KeyError: no objective has that name.
    """
    cls = OBJECTIVES[name]
    doc = inspect.getdoc(cls) or ""
    return MethodCard(
        name=name,
        title=cls.__name__,
        family=cls.family,
        modality=cls.modality,
        n_views=cls.n_views,
        default_augment=cls.default_augment,
        idea=doc.split("\n\n")[0],
        papers=papers(doc),
        formula=cls.formula,
        prevents_collapse=cls.prevents_collapse,
    )


def method_names() -> list[str]:
    """Every objective's registry name, in the registry's order (grouped by family)."""
    return list(OBJECTIVES)


def method_doc(name: str) -> str:
    """The whole docstring of ``name``'s class: design notes, hyperparameters, references."""
    return inspect.getdoc(OBJECTIVES[name]) or ""


def loss_source(name: str) -> tuple[str, str]:
    """``(qualified name, source code)`` of the method's loss: the ``*_loss`` function of its
    module when it has one, else its ``forward``."""
    cls = OBJECTIVES[name]
    module = sys.modules[cls.__module__]
    for function_name, member in inspect.getmembers(module, inspect.isfunction):
        if function_name.endswith("_loss") and member.__module__ == cls.__module__:
            return member.__qualname__, inspect.getsource(member)
    return cls.forward.__qualname__, inspect.getsource(cls.forward)
