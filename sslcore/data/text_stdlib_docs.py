"""``stdlib_docs``: the docstrings of Python's standard library, a corpus with no download.

Every Python installation carries megabytes of carefully written English: the docstrings of its
standard library. They are read here from the installed sources with :mod:`ast` (nothing is
imported, so no module runs), split into paragraphs, and each paragraph becomes one document
labelled with the module it documents. The labels are natural topics (networking, e-mail,
concurrency, GUI, typing...), so a downstream probe asks a real question: does the sentence
embedding know what a paragraph is about?

Only a fixed list of modules with many docstrings and clearly different subjects is read, each
capped at the same number of paragraphs, so the label probe is balanced and reading takes about
a second.
"""

from __future__ import annotations

import ast
import logging
import sysconfig
from pathlib import Path

log = logging.getLogger(__name__)

MODULES = (
    "asyncio",
    "email",
    "logging",
    "unittest",
    "http",
    "typing",
    "xml",
    "multiprocessing",
    "ipaddress",
    "turtle",
    "tkinter",
    "urllib",
)
PER_MODULE = 250  # paragraphs kept per module (the first ones, in file order)
MIN_CHARS = 40  # shorter paragraphs are mostly "Return the value." stubs
DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _sources(root: Path, module: str) -> list[Path]:
    """The .py files of a module or package (tests left out)."""
    single = root / f"{module}.py"
    if single.exists():
        return [single]
    package = root / module
    if not package.is_dir():
        return []
    return [p for p in sorted(package.rglob("*.py")) if "test" not in p.relative_to(root).parts]


def _is_prose(paragraph: str) -> bool:
    """Sentences, not doctests, tables or argument lists."""
    return len(paragraph) >= MIN_CHARS and ">>>" not in paragraph and "::" not in paragraph


def _paragraphs(path: Path) -> list[str]:
    """The prose paragraphs of every docstring in one source file, whitespace normalised."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError) as error:
        log.info("skipping %s: %s", path, error)
        return []
    out = []
    for node in ast.walk(tree):
        doc = ast.get_docstring(node) if isinstance(node, DOCUMENTED) else None
        for paragraph in (doc or "").split("\n\n"):
            text = " ".join(paragraph.split())
            if _is_prose(text):
                out.append(text)
    return out


def load_stdlib_docs(
    modules: tuple[str, ...] = MODULES, per_module: int = PER_MODULE
) -> tuple[list[str], list[int], list[str]]:
    """Docstring paragraphs of the installed standard library, labelled by module.

    Args:
        modules: which top-level modules (or packages) to read; missing ones are skipped (a
            Python built without tkinter, say).
        per_module: at most this many paragraphs per module (duplicates dropped).

    Returns:
        ``(texts, labels, label_names)``: one paragraph per document, the index of its module
        in ``label_names``, and the names of the modules that gave at least one paragraph.

    Raises:
        FileNotFoundError: no module's sources could be found (a Python installed without its
            ``.py`` files).
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    texts: list[str] = []
    labels: list[int] = []
    names: list[str] = []
    seen: set[str] = set()
    for module in modules:
        kept: list[str] = []
        for path in _sources(root, module):
            for paragraph in _paragraphs(path):
                if paragraph not in seen and len(kept) < per_module:
                    seen.add(paragraph)
                    kept.append(paragraph)
        if kept:
            texts.extend(kept)
            labels.extend([len(names)] * len(kept))
            names.append(module)
    if len(names) < 2:
        raise FileNotFoundError(
            f"stdlib_docs needs the sources of Python's standard library under {root}, but "
            f"found docstrings for {len(names)} of {', '.join(modules)}"
        )
    return texts, labels, names
