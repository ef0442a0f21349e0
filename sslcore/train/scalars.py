"""TensorBoard scalars beside metrics.jsonl, for those who already watch runs with TensorBoard.

With ``monitor.tensorboard: true`` every metrics row is also written as TensorBoard scalars into
the run directory, so ``tensorboard --logdir runs`` shows every run of a runs folder by its run
id. metrics.jsonl stays the record the lab reads; this is a copy in TensorBoard's format:

- ``loss/total`` and one ``loss/<component>`` per component (VICReg's three terms, ...);
- ``optim/lr``;
- ``monitor/<figure>``: kNN accuracy, RankMe, feature and collapse spread, perplexity;
- ``speed/<figure>``: images per second, step and data time.

A resumed run reopens the log with ``purge_step`` at its checkpoint's step, so TensorBoard drops
what the interrupted process wrote after it, as the lab cuts metrics.jsonl back (see
:mod:`sslcore.lifecycle`). TensorBoard is an optional extra: ``pip install 'ssl-lab[tensorboard]'``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sslcore.config import ConfigError

NOT_SCALARS = ("step", "time", "eta_s", "elapsed_s")  # the x axis, and clock readings
SPEED = ("images_per_s", "step_time_s", "data_time_s")


def tag_of(key: str) -> str:
    """The TensorBoard tag of a metrics key: ``comp_invariance`` -> ``loss/invariance``."""
    if key == "loss":
        return "loss/total"
    if key.startswith("comp_"):
        return f"loss/{key.removeprefix('comp_')}"
    if key == "lr":
        return "optim/lr"
    return f"speed/{key}" if key in SPEED else f"monitor/{key}"


class Scalars:
    """Writes metrics rows as scalars when ``enabled``; otherwise does nothing.

    Raises:
        ConfigError: on ``monitor.tensorboard`` when it is on but TensorBoard is not installed.
    """

    def __init__(self, run_dir: Path, enabled: bool, start_step: int = 0) -> None:
        self._writer = None
        if not enabled:
            return
        try:
            from torch.utils.tensorboard import SummaryWriter  # optional: only when asked for
        except ImportError:
            raise ConfigError(
                "monitor.tensorboard",
                "needs TensorBoard: pip install 'ssl-lab[tensorboard]' (or turn it off)",
            ) from None
        self._writer = SummaryWriter(str(run_dir), purge_step=start_step or None)

    def write(self, row: dict[str, Any]) -> None:
        """Add the numeric figures of one metrics row at its step."""
        if self._writer is None:
            return
        for key, value in row.items():
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if key not in NOT_SCALARS and number and math.isfinite(value):
                self._writer.add_scalar(tag_of(key), value, row["step"], walltime=row.get("time"))
        self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
