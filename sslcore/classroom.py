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

The policy and its file are read by :mod:`sslcore.classroom_policy`. Nothing here imports
streamlit.
"""

from __future__ import annotations

from sslcore.backbones import parameter_count
from sslcore.classroom_policy import (
    CLASSROOM_ENV,
    TEACHER_TOKEN_ENV,
    ClassroomPolicy,
    active_policy,
    load_policy,
    policy_from_dict,
)
from sslcore.config import ConfigError, RunConfig
from sslcore.data.roots import is_inside, resolve_roots

__all__ = [  # the policy's names too: a teacher's tools import them all from here
    "CLASSROOM_ENV",
    "TEACHER_TOKEN_ENV",
    "ClassroomPolicy",
    "LimitError",
    "active_policy",
    "backbone_parameters",
    "check_capacity",
    "check_config",
    "check_data_paths",
    "load_policy",
    "policy_from_dict",
]


class LimitError(ConfigError):
    """A run this policy refuses; ``field`` names the setting (``optim.steps``) or is empty
    for limits on runs rather than settings (runs at once, queue length)."""


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
    return parameter_count(config.backbone, channels, config.data.image_size)


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
