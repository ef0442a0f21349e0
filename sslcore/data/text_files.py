"""``text:<path>``: your own plain text, one document per line of a file or per file of a folder.

- A file: every non-empty line is one document (unlabelled).
- A folder: every ``.txt`` / ``.md`` file below it is one document; when the files sit in
  sub-folders, the first sub-folder is the label (``reviews/good/1.txt`` -> ``good``), as for
  image folders.

On a shared server the path must lie under the allowed data roots
(:mod:`sslcore.data.roots`), as for image folders: it is checked before anything is read, and a
file that links outside the roots is left out.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sslcore.data.roots import allowed_roots, check_data_path, is_inside

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")
MAX_DOCUMENTS = 200_000


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def load_text_path(path: str) -> tuple[list[str], list[int] | None, list[str]]:
    """The documents under ``path``.

    Returns:
        ``(texts, labels, label_names)``; ``labels`` is None when the documents are unlabelled.

    Raises:
        PermissionError: ``path`` is outside the allowed data roots.
        FileNotFoundError: nothing is at ``path``.
        ValueError: it holds no usable text, or too many documents.
    """
    check_data_path(path)  # before looking: a refusal says nothing about what is outside
    root = Path(path).expanduser()
    if root.is_file():
        texts = [" ".join(line.split()) for line in _read(root).splitlines()]
        return _checked([t for t in texts if t], root), None, []
    if not root.is_dir():
        raise FileNotFoundError(f"text:{path}: no such file or folder")
    roots = allowed_roots()
    files = sorted(p for p in root.rglob("*") if _usable(p, roots))
    texts, folders = [], []
    for file in files:
        text = " ".join(_read(file).split())
        if text:
            texts.append(text)
            relative = file.relative_to(root).parts
            folders.append(relative[0] if len(relative) > 1 else "")
    _checked(texts, root)
    names = sorted(set(folders))
    if len(names) < 2 or "" in names:
        return texts, None, []
    return texts, [names.index(f) for f in folders], names


def _usable(path: Path, roots: tuple[Path, ...] | None) -> bool:
    """A text file that, links resolved, lies under the allowed roots (if any)."""
    if not (path.is_file() and path.suffix.lower() in SUFFIXES):
        return False
    if roots is not None and not is_inside(path, roots):
        log.warning("leaving out %s: it links outside the allowed data roots", path)
        return False
    return True


def _checked(texts: list[str], root: Path) -> list[str]:
    if len(texts) < 2:
        raise ValueError(
            f"text:{root} holds {len(texts)} document(s): at least 2 are needed (one per "
            f"non-empty line of a file, or one per {'/'.join(SUFFIXES)} file of a folder)"
        )
    if len(texts) > MAX_DOCUMENTS:
        raise ValueError(f"text:{root} holds {len(texts)} documents; at most {MAX_DOCUMENTS}")
    return texts
