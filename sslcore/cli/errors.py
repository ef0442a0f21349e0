"""Every failure a user can cause, as one line and an exit code: never a traceback.

Exit codes follow the shell's conventions: 2 for usage (a bad flag, value, path or file, a run
that cannot be resumed or is busy), 1 for a failure while working (a full disk, a crash),
128 + the signal for an interruption (130 for Ctrl-C) and 141 when the reader of our output
went away (``sslcore runs | head -1``). ``SSL_LAB_DEBUG=1`` shows the traceback of an
unexpected error instead of hiding it.
"""

from __future__ import annotations

import errno
import os
import sys

from sslcore.config import ConfigError
from sslcore.run_lock import RunBusy
from sslcore.train.failures import is_disk_full

USAGE = 2
FAILURE = 1
MAX_CHARS = 300  # a message quotes at most this much (a value may be megabytes long)

# What to do about an operating-system error, by errno.
OS_ADVICE = {
    errno.EACCES: "permission denied: choose a folder you can write (e.g. --runs-dir)",
    errno.EPERM: "not permitted: choose a folder you can write (e.g. --runs-dir)",
    errno.EROFS: "the file system is read-only: choose a folder you can write (e.g. --runs-dir)",
    errno.ENOTDIR: "a file stands where a folder is expected: name a folder",
    errno.EISDIR: "a folder stands where a file is expected: name a file",
    errno.ENOENT: "no such file or folder",
    errno.EEXIST: "it already exists",
}


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 3] + "..."


def explain(err: BaseException) -> tuple[str, int]:
    """The one line to print (without the ``sslcore: error:`` prefix) and the exit code."""
    if is_disk_full(err):
        return _one_line(f"the disk is full ({err}): free some space and try again"), FAILURE
    if isinstance(err, (ConfigError, RunBusy)):
        return _one_line(str(err)), USAGE
    if isinstance(err, OSError) and err.errno in OS_ADVICE:
        where = f"{err.filename}: " if err.filename else ""
        code = FAILURE if err.errno == errno.EEXIST else USAGE
        return _one_line(f"{where}{OS_ADVICE[err.errno]}"), code
    if isinstance(err, ValueError):
        return _one_line(str(err)), USAGE
    if isinstance(err, OSError):
        # Our own refusals (a path outside the data roots, missing data) carry no errno.
        return _one_line(str(err) or type(err).__name__), USAGE if err.errno is None else FAILURE
    return _one_line(f"unexpected {type(err).__name__}: {err}"), FAILURE


def quiet_broken_pipe() -> int:
    """The reader of stdout is gone: send what is left to /dev/null so that Python's own
    flush at exit stays quiet, and exit as a killed-by-SIGPIPE program would."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 128 + 13
