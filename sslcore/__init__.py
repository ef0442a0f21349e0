"""sslcore: the SSL Lab engine (data, augmentations, backbones, objectives, training, evaluation).

It never imports streamlit and never prints; it logs through :mod:`logging`. Use it from a
notebook, the ``sslcore`` command line, or the dashboard.
"""

__version__ = "0.1.0"
