"""Training: the loop (:class:`Trainer`), its controls, checkpoints and schedules.

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
        from sslcore.api import train  # the façade sits above the loop: imported when called

        return train(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage

__all__ = ["RunControl", "Trainer"]
