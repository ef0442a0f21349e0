"""Training: the loop (:class:`Trainer`), its monitor and controls (checkpoints, devices and
optimizers sit a layer below, in :mod:`sslcore.checkpoint`, :mod:`sslcore.device` and
:mod:`sslcore.optim`, where evaluation and transfer use them too).

This package is also the notebook's ``sslcore.train(...)``: calling it starts a run through
:func:`sslcore.api.train` and returns its :class:`~sslcore.api.Run`. The two share a name, and
Python binds a subpackage to its parent's attribute whenever it is imported, so a function
``sslcore.train`` would be replaced by this package the first time anything imported it; the
package answers the call instead.
"""

import sys
from types import ModuleType
from typing import Any

from sslcore.train.control import RunControl
from sslcore.train.trainer import Trainer


class _CallablePackage(ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The façade sits above the loop: imported when called, the one upward import that
        # pyproject.toml's layers contract allows by name.
        from sslcore.api import train

        return train(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage

__all__ = ["RunControl", "Trainer"]
