"""A classroom's policy: the limits a teacher sets in ``ssl-lab --classroom class.toml``.

The file and its settings are described in :mod:`sslcore.classroom`, which enforces them on
runs. The policy itself lives down here, below :mod:`sslcore.data`, because the data layer reads
it too: in classroom mode, ``folder:`` and ``npz:`` datasets may only be read below the policy's
``allowed_data_roots`` (:mod:`sslcore.data.roots`). Whether each of ``allowed_backbones`` is a
backbone is a registry check (:mod:`sslcore.validate`), run by :func:`sslcore.config.run_checks`.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import os
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sslcore.config import ConfigError, load_yaml, quote, run_checks

CLASSROOM_ENV = "SSL_LAB_CLASSROOM"  # path of the policy file (set by ``ssl-lab --classroom``)
TEACHER_TOKEN_ENV = "SSL_LAB_TEACHER_TOKEN"  # the teacher's secret when the file has none
MIN_TOKEN_LENGTH = 16


@dataclass(frozen=True)
class ClassroomPolicy:
    """What students of one server may run; every number is an inclusive upper bound."""

    max_concurrent: int = 1
    max_queued: int = 60
    per_user_runs: int = 1
    max_steps: int = 1000
    max_batch_size: int = 256
    max_image_size: int = 64
    max_train_size: int = 20000
    max_threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    max_backbone_params: int = 12_000_000  # a ResNet-18 has 11.2 million
    max_probe_size: int = 2000
    allowed_backbones: tuple[str, ...] = ()
    allowed_data_roots: tuple[str, ...] = ()
    teachers: tuple[str, ...] = ()
    teacher_token: str = field(default="", repr=False)
    require_login: bool = False
    max_upload_mb: int = 20

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value, name = getattr(self, f.name), f"classroom.{f.name}"
            if f.type == "int" and (not isinstance(value, int) or isinstance(value, bool)):
                raise ConfigError(name, f"{quote(value)} is not an integer")
            if f.type == "int" and value < (0 if f.name == "max_queued" else 1):
                raise ConfigError(name, f"{quote(value)} is not allowed: at least 1")
            if f.type == "str" and not isinstance(value, str):
                raise ConfigError(name, f"{quote(value)} is not a string")
            if f.type == "tuple[str, ...]":
                if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(name, f"{quote(value)} is not a list of strings")
                object.__setattr__(self, f.name, tuple(value))
        if not isinstance(self.require_login, bool):
            login = quote(self.require_login)
            raise ConfigError("classroom.require_login", f"{login} is not true or false")
        if self.teacher_token and len(self.teacher_token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                "classroom.teacher_token",
                f"is too short to be a secret: use at least {MIN_TOKEN_LENGTH} characters",
            )
        run_checks(self)

    def is_teacher(self, user: str = "", token: str = "") -> bool:
        """True for a logged-in teacher (``user`` in ``teachers``) or the teacher's token."""
        if user and user in self.teachers:
            return True
        return bool(token and self.teacher_token) and hmac.compare_digest(
            token.encode(), self.teacher_token.encode()
        )


def policy_from_dict(data: Any) -> ClassroomPolicy:
    """A policy from a plain mapping; unknown keys and bad values raise :class:`ConfigError`."""
    if not isinstance(data, dict):
        raise ConfigError("classroom", f"expected a table of settings, got {type(data).__name__}")
    names = {f.name for f in dataclasses.fields(ClassroomPolicy)}
    unknown = sorted(str(key) for key in data if key not in names)
    if unknown:
        raise ConfigError(
            f"classroom.{unknown[0]}", f"unknown setting; known: {', '.join(sorted(names))}"
        )
    return ClassroomPolicy(**data)


def load_policy(path: str | Path) -> ClassroomPolicy:
    """Read a policy from a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise ConfigError("classroom", f"cannot read {path}: {err.strerror}") from None
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            data = load_yaml(text, "classroom") or {}
        else:
            data = json.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as err:
        raise ConfigError("classroom", f"{path} does not parse: {err}") from None
    return policy_from_dict(data)


_active: dict[tuple[str, float, str], ClassroomPolicy] = {}
_active_lock = threading.Lock()


def active_policy() -> ClassroomPolicy | None:
    """The policy named by ``$SSL_LAB_CLASSROOM``, or None outside classroom mode.

    Re-read when the file changes, so a teacher can raise a limit during the lesson. When the
    file has no ``teacher_token``, ``$SSL_LAB_TEACHER_TOKEN`` (made by ``ssl-lab``) is used.
    """
    path = os.environ.get(CLASSROOM_ENV, "")
    if not path:
        return None
    try:
        mtime = Path(path).stat().st_mtime
    except OSError as err:
        raise ConfigError("classroom", f"cannot read {path}: {err.strerror}") from None
    token = os.environ.get(TEACHER_TOKEN_ENV, "")
    key = (path, mtime, token)
    with _active_lock:
        if key not in _active:
            policy = load_policy(path)
            if not policy.teacher_token and token:
                policy = dataclasses.replace(policy, teacher_token=token)
            _active.clear()
            _active[key] = policy
        return _active[key]
