"""What to tell a student when a run crashes: the error, and what to change.

The trainer ends a diverging run itself (with advice on the learning rate). Everything else that
can go wrong inside a run arrives here as an exception: the job manager and the command line
turn it into a ``failed`` status whose message names the problem and the fix, so the run
directory says why it stopped even after the process that ran it is gone.
"""

from __future__ import annotations

import errno
import logging
import time

import torch

from sslcore.config import RunConfig
from sslcore.store import RunStore

log = logging.getLogger(__name__)


def is_out_of_memory(err: BaseException) -> bool:
    """True for a CUDA/MPS out-of-memory error or a CPU allocation failure."""
    if isinstance(err, (torch.OutOfMemoryError, MemoryError)):
        return True
    return isinstance(err, RuntimeError) and "out of memory" in str(err).lower()


def is_disk_full(err: BaseException) -> bool:
    """True for "no space left on device", also when torch's checkpoint writer reports it as
    ``RuntimeError: [enforce fail at inline_container.cc] ... file write failed``."""
    if isinstance(err, OSError):
        return err.errno in (errno.ENOSPC, errno.EDQUOT)
    text = str(err)
    return isinstance(err, RuntimeError) and (
        "file write failed" in text or "PytorchStreamWriter failed" in text
    )


def describe_failure(err: BaseException, config: RunConfig) -> str:
    """One line: the error and, for the failures a student can fix, the advice.

    Args:
        err: what the run raised.
        config: the run's configuration (the advice quotes its values).
    """
    first_line = (str(err).strip().splitlines() or [""])[0]
    text = f"{type(err).__name__}: {first_line}"
    if is_out_of_memory(err):
        return (
            f"out of memory ({text}): lower the batch size (now {config.optim.batch_size}) "
            f"or the image size (now {config.data.image_size}), or pick a smaller backbone"
        )
    if is_disk_full(err):
        return (
            f"the disk is full ({text[:100]}): free some space, then resume the run; its "
            "last good checkpoint was kept"
        )
    return text


def record_failure(store: RunStore, err: BaseException, config: RunConfig) -> str:
    """Mark the run ``failed`` with :func:`describe_failure`'s message; return the message.

    Writing may itself fail (a full disk): that is logged, and the run is then found
    ``interrupted`` by the next job manager, which is still true and still resumable.
    """
    message = describe_failure(err, config)
    if is_out_of_memory(err) and torch.cuda.is_available():
        torch.cuda.empty_cache()  # give the memory back to the runs that continue
    try:
        store.write_status("failed", message=message, finished=time.time())  # status first
        store.append_event("error", message)
    except OSError as write_err:
        log.error("run %s: could not record its failure (%s)", store.run_id, write_err)
    return message
