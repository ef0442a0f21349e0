"""The lab server's classroom mode: the policy a teacher's file sets, and how it reaches the server.

``ssl-lab --classroom class.toml`` checks the file before the server starts
(:func:`load_classroom`) and hands its path over in the environment (:func:`classroom_env`);
every page of the server then reads the policy with :func:`classroom`. Starts above a limit are
refused by the job manager with a :class:`LimitError` naming the setting.
"""

from __future__ import annotations

from pathlib import Path

from sslcore.classroom import (
    CLASSROOM_ENV,
    TEACHER_TOKEN_ENV,
    ClassroomPolicy,
    LimitError,
    active_policy,
    load_policy,
)

__all__ = ["ClassroomPolicy", "LimitError", "classroom", "classroom_env", "load_classroom"]


def load_classroom(path: str | Path) -> ClassroomPolicy:
    """The policy in ``path`` (TOML, YAML or JSON), checked.

    Raises:
        ConfigError: a setting is unknown or out of range (the message names it).
        FileNotFoundError: there is no such file.
    """
    return load_policy(path)


def classroom() -> ClassroomPolicy | None:
    """The classroom policy of this server process, or None outside classroom mode."""
    return active_policy()


def classroom_env(env: dict[str, str], path: str | Path | None, teacher_token: str) -> None:
    """Set (or clear) in ``env`` what hands a classroom policy to the server process: the
    policy file's path and, when given, the teacher's token."""
    env.pop(CLASSROOM_ENV, None)  # only --classroom turns classroom mode on
    env.pop(TEACHER_TOKEN_ENV, None)
    if path:
        env[CLASSROOM_ENV] = str(Path(path).resolve())
        if teacher_token:
            env[TEACHER_TOKEN_ENV] = teacher_token
