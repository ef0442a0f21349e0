"""The public façade of the engine: what a notebook and the dashboard ask of it.

::

    import sslcore

    run = sslcore.train(objective="simclr", dataset="shapes", steps=200)  # returns at once
    run.wait()
    run.card.data.classes                                 # what the run is (run_card.json)
    run.evaluate("knn")["accuracy"]

One file per idea, each answering questions in the words a page or a notebook asks them:

- :mod:`~sslcore.api.notebook`: :func:`train`, the :class:`Run` handle, :func:`load_run`,
  :func:`runs`, :func:`build_config`.
- :mod:`~sslcore.api.choices`: what a run can be before there is one (methods and their cards,
  recipes, datasets and samples of them, augmentation previews, ImageNet weights).
- :mod:`~sslcore.api.run_view`: what a run is (its :class:`RunCard`, class names) and figures
  of what it learned (map layouts, neighbours, uniformity, the similarity of its views).
- :mod:`~sslcore.api.evaluations`: evaluations as background jobs, and exports of the weights.
- :mod:`~sslcore.api.server`: the lab server's classroom policy.

The dashboard imports the engine only through this package, :mod:`sslcore.config` (the config
types), :mod:`sslcore.store` (the run directory) and :mod:`sslcore.jobs` (the job manager that
starts, pauses and stops its runs); a contract in pyproject.toml keeps it so.
"""

from sslcore.api.choices import *  # noqa: F403
from sslcore.api.choices import __all__ as _choices
from sslcore.api.evaluations import *  # noqa: F403
from sslcore.api.evaluations import __all__ as _evaluations
from sslcore.api.notebook import Run, RunStatus, build_config, load_run, runs, train
from sslcore.api.run_view import *  # noqa: F403
from sslcore.api.run_view import __all__ as _run_view
from sslcore.api.server import *  # noqa: F403
from sslcore.api.server import __all__ as _server
from sslcore.export.backbone import load_backbone

__all__ = [
    "Run",
    "RunStatus",
    "build_config",
    "load_backbone",
    "load_run",
    "runs",
    "train",
    *_choices,
    *_evaluations,
    *_run_view,
    *_server,
]
