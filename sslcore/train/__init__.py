"""Training: the loop (:class:`Trainer`), its controls, checkpoints and schedules."""

from sslcore.train.control import RunControl
from sslcore.train.trainer import Trainer

__all__ = ["RunControl", "Trainer"]
