"""Training progress on stderr: a tqdm bar on a terminal, plain lines everywhere else.

A bar that rewrites itself with carriage returns is right for a person watching a terminal and
wrong for a log file or a CI job, where it piles up as one unreadable line. So the bar is drawn
only when stderr is a terminal; otherwise each logged step is one line that ``grep`` and ``tail``
read.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from tqdm import tqdm


def plain_line(row: dict[str, Any], total: int) -> str:
    """``step 10/300  loss 4.1234  1234 img/s  ETA 01:23`` for one metrics row."""
    eta = time.strftime("%M:%S", time.gmtime(row.get("eta_s", 0)))
    return (
        f"step {row['step']}/{total}  loss {row['loss']:.4f}  "
        f"{row['images_per_s']:.0f} img/s  ETA {eta}"
    )


class Progress:
    """The Trainer's ``on_progress`` callback for the command line.

    Args:
        total: the run's total steps.
        quiet: draw nothing.
        stream: where to draw (stderr); a bar when it is a terminal, lines otherwise.
    """

    def __init__(self, total: int, quiet: bool, stream: IO[str] | None = None) -> None:
        self.total, self.quiet = total, quiet
        self.stream = stream or sys.stderr
        self.bar: tqdm | None = None
        if not quiet and self.stream.isatty():
            self.bar = tqdm(total=total, file=self.stream, unit="step", dynamic_ncols=True)

    def __call__(self, row: dict[str, Any]) -> None:
        if self.quiet:
            return
        if self.bar is None:
            print(plain_line(row, self.total), file=self.stream, flush=True)
            return
        postfix = {"loss": f"{row['loss']:.4f}", "img_s": f"{row['images_per_s']:.0f}"}
        self.bar.set_postfix(postfix, refresh=False)  # drawn once, by the update
        self.bar.update(row["step"] - self.bar.n)  # a resumed run starts part-way

    def close(self) -> None:
        """End the bar (its last state stays on screen); nothing to do for plain lines."""
        if self.bar is not None:
            self.bar.close()
