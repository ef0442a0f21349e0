"""sslcore: the SSL Lab engine (data, augmentations, backbones, objectives, training, evaluation).

It never imports streamlit and never prints; it logs through :mod:`logging`. Use it from a
notebook, the ``sslcore`` command line, or the dashboard.
"""

from sslcore import config as _config

__version__ = "0.1.0"


def _load_checks() -> None:
    """Register the config checks that need a registry (:mod:`sslcore.validate`), on the first
    config built: the registries import torch, which ``import sslcore.config`` must not wait for."""
    import sslcore.validate  # noqa: F401  (heavy: data, backbones, objectives, torch)


_config.set_checks_loader(_load_checks)


API = ("Run", "RunStatus", "load_run", "runs")  # the notebook API (sslcore.api)


def __getattr__(name: str) -> object:
    """``sslcore.load_backbone`` (:func:`sslcore.export.backbone.load_backbone`) and the notebook
    API (:mod:`sslcore.api`: ``sslcore.train(...)``, ``sslcore.load_run(path)``, ...), imported on
    first use: they need torch, which ``import sslcore.config`` and the CLI's start must not wait
    for. ``sslcore.train`` is the subpackage :mod:`sslcore.train`, which answers a call."""
    if name == "load_backbone":
        from sslcore.export.backbone import load_backbone

        return load_backbone
    if name == "train":
        import sslcore.train

        return sslcore.train
    if name in API:
        import sslcore.api

        return getattr(sslcore.api, name)
    raise AttributeError(f"module 'sslcore' has no attribute {name!r}")


__all__ = ["__version__", "load_backbone", "train", *API]
