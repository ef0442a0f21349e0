"""sslcore: the SSL Lab engine (data, augmentations, backbones, objectives, training, evaluation).

It never imports streamlit and never prints; it logs through :mod:`logging`. Use it from a
notebook, the ``sslcore`` command line, or the dashboard.
"""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``sslcore.load_backbone`` (:func:`sslcore.export.backbone.load_backbone`), imported on first
    use: it needs torch, which ``import sslcore.config`` and the CLI's start must not wait for."""
    if name == "load_backbone":
        from sslcore.export.backbone import load_backbone

        return load_backbone
    raise AttributeError(f"module 'sslcore' has no attribute {name!r}")


__all__ = ["__version__", "load_backbone"]
