"""Classroom mode: one server, a whole class, limits the teacher sets.

A teacher starts ``ssl-lab --classroom class.toml``. The file is a :class:`ClassroomPolicy`::

    max_concurrent = 2          # runs that train at once; the rest wait in the queue
    max_queued = 60             # runs that may wait; beyond it a start is refused
    per_user_runs = 1           # runs one student may have queued or training at once
    max_steps = 600
    max_batch_size = 256
    max_image_size = 64
    max_train_size = 20000      # shapes rendered for one run (memory)
    allowed_backbones = ["convnet", "resnet18"]   # empty or absent: all
    allowed_data_roots = ["/srv/class-data"]        # folder:/npz: only below these
    teachers = ["teacher@school.org"]               # logged-in (OIDC) users with teacher rights
    teacher_token = "a long secret"                 # or left out: ssl-lab makes one per start
    require_login = false       # true: students must log in (st.login, OIDC in secrets.toml)
    max_upload_mb = 20

The job manager enforces the policy when a run is submitted (:func:`check_config`), so a page
that forgot a check, a crafted request or a second tab cannot get past it. The teacher is exempt
from the per-student limits and may see and stop every run.

Nothing here imports streamlit.
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

import torch
import yaml

from sslcore.backbones import BACKBONES, build_backbone
from sslcore.config import ConfigError, RunConfig, load_yaml, quote
from sslcore.data.roots import is_inside, resolve_roots

CLASSROOM_ENV = "SSL_LAB_CLASSROOM"  # path of the policy file (set by ``ssl-lab --classroom``)
TEACHER_TOKEN_ENV = "SSL_LAB_TEACHER_TOKEN"  # the teacher's secret when the file has none
MIN_TOKEN_LENGTH = 16


class LimitError(ConfigError):
    """A run this policy refuses; ``field`` names the setting (``optim.steps``) or is empty
    for limits on runs rather than settings (runs at once, queue length)."""


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
        unknown = [b for b in self.allowed_backbones if b not in BACKBONES]
        if unknown:
            raise ConfigError(
                "classroom.allowed_backbones",
                f"{quote(unknown[0])} is not a backbone; known: {', '.join(BACKBONES)}",
            )

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


def _above(field_name: str, value: int, limit: int) -> LimitError:
    return LimitError(
        field_name, f"{value} is above this class's limit of {limit} (set by the teacher)"
    )


def check_data_paths(policy: ClassroomPolicy, config: RunConfig) -> None:
    """``folder:``/``npz:`` datasets and ``data.root`` must lie under the allowed roots."""
    roots = resolve_roots(policy.allowed_data_roots)
    dataset = config.data.dataset
    named = [("data.dataset", dataset.split(":", 1)[1])] if ":" in dataset else []
    if config.data.root:
        named.append(("data.root", config.data.root))
    for field_name, path in named:
        if not is_inside(path, roots):
            where = ", ".join(str(r) for r in roots) or "none: built-in datasets only"
            raise LimitError(
                field_name, f"{path} is outside the folders this class may read ({where})"
            )
    if config.data.download:
        raise LimitError(
            "data.download", "downloads are off in this class: the teacher provides the data"
        )


def check_config(policy: ClassroomPolicy, config: RunConfig) -> None:
    """Refuse a student's run that exceeds the policy, naming the setting and the limit.

    Raises:
        LimitError: the first setting above its limit (``optim.steps: 5000 is above this
            class's limit of 600``), a backbone not allowed, or a data path outside the roots.
    """
    for field_name, value, limit in (
        ("optim.steps", config.optim.steps, policy.max_steps),
        ("optim.batch_size", config.optim.batch_size, policy.max_batch_size),
        ("data.image_size", config.data.image_size, policy.max_image_size),
        ("data.train_size", config.data.train_size, policy.max_train_size),
        ("data.test_size", config.data.test_size, policy.max_train_size),
        ("monitor.probe_size", config.monitor.probe_size, policy.max_probe_size),
        # 0 means "every core"; more threads than cores only slow everyone down.
        ("num_threads", config.num_threads, policy.max_threads),
    ):
        if value > limit:
            raise _above(field_name, value, limit)
    params = backbone_parameters(config)
    if params > policy.max_backbone_params:
        raise LimitError(
            "backbone",
            f"this backbone has {params / 1e6:.1f} million weights, above this class's limit of "
            f"{policy.max_backbone_params / 1e6:.1f} million: make it narrower or shallower",
        )
    if policy.allowed_backbones and config.backbone.name not in policy.allowed_backbones:
        raise LimitError(
            "backbone.name",
            f"{config.backbone.name!r} is not allowed in this class; allowed: "
            f"{', '.join(policy.allowed_backbones)}",
        )
    check_data_paths(policy, config)


def backbone_parameters(config: RunConfig) -> int:
    """How many weights the run's backbone has, counted on the meta device (no memory, no
    time): the model-size knob whatever the family (width, ViT depth and dimension, timm:)."""
    channels = 3 if config.backbone.name != "text_transformer" else 256  # a byte-size vocabulary
    with torch.device("meta"):
        model = build_backbone(config.backbone, channels, config.data.image_size)
    return sum(p.numel() for p in model.parameters())


def check_capacity(policy: ClassroomPolicy, user_active: int, queued: int, slot_free: bool) -> None:
    """Refuse a start when the student has enough runs going or the queue is full.

    Args:
        user_active: the student's runs now queued or training.
        queued: runs now waiting in the queue (all users).
        slot_free: a run started now would train at once (it would not wait).
    """
    if user_active >= policy.per_user_runs:
        raise LimitError(
            "",
            f"you already have {user_active} run(s) queued or training, the most this class "
            "allows at once: wait for one to finish, or stop one",
        )
    if not slot_free and queued >= policy.max_queued:
        raise LimitError(
            "",
            f"the queue is full ({queued} runs waiting): try again when some have finished",
        )
