"""Allowed data roots: the folders a shared server lets its users read images from.

On your own machine any ``folder:<path>`` or ``npz:<path>`` may be read. On a server shared by
a class, a path typed into the Setup page must not reach the teacher's home folder, ``/etc`` or
another student's files, so the readable folders are limited to a few *roots*:

- ``$SSL_LAB_DATA_ROOTS`` (folders separated by ``os.pathsep``, ``:`` on Linux) when it is set;
  set but empty means "no user folders at all";
- otherwise, in classroom mode (``$SSL_LAB_CLASSROOM``), the policy's ``allowed_data_roots``;
- otherwise there is no restriction.

A path is checked *after* resolving it (``~``, ``..`` and every symbolic link), so neither
``roots/../../etc`` nor a link inside a root that points outside it gets through. The check runs
before the path is even tested for existence, so a refusal tells nothing about what lies outside.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from sslcore.classroom_policy import active_policy

ROOTS_ENV = "SSL_LAB_DATA_ROOTS"


def allowed_roots() -> tuple[Path, ...] | None:
    """The resolved folders users may read data from, or None when any folder may be read."""
    if ROOTS_ENV in os.environ:
        return resolve_roots(p for p in os.environ[ROOTS_ENV].split(os.pathsep) if p.strip())
    policy = active_policy()
    return None if policy is None else resolve_roots(policy.allowed_data_roots)


def resolve_roots(roots: Iterable[str]) -> tuple[Path, ...]:
    """Each root with ``~`` expanded and links resolved (the form paths are compared in)."""
    return tuple(Path(root).expanduser().resolve() for root in roots)


def is_inside(path: str | Path, roots: Sequence[Path]) -> bool:
    """True when ``path``, fully resolved, is one of ``roots`` or lies below one of them."""
    resolved = Path(path).expanduser().resolve()
    return any(resolved == root or resolved.is_relative_to(root) for root in roots)


def check_data_path(path: str | Path, roots: Sequence[Path] | None = None) -> Path:
    """``path`` resolved, or a PermissionError when it lies outside the allowed roots.

    Args:
        path: a folder or file a user named (``folder:``/``npz:`` datasets, ``data.root``).
        roots: the allowed roots, already resolved; None reads them from the environment
            (:func:`allowed_roots`), where None again means "no restriction".

    Raises:
        PermissionError: the resolved path is outside every root; the message names the roots.
    """
    roots = allowed_roots() if roots is None else roots
    resolved = Path(path).expanduser().resolve()
    if roots is None or is_inside(resolved, roots):
        return resolved
    if not roots:
        raise PermissionError(
            f"{path}: this server reads no folders of your own; pick a built-in dataset "
            "(the teacher can allow folders with allowed_data_roots)"
        )
    allowed = ", ".join(str(root) for root in roots)
    raise PermissionError(
        f"{path} is outside the folders this server may read ({allowed}); put your images "
        "under one of them"
    )
