"""Backbones: a registry of builders, each returning a :class:`Backbone` with ``out_dim``.

PLACEHOLDER: the backbones helper fills the registry.
"""

from sslcore.backbones.base import Backbone

BACKBONES: dict = {}

__all__ = ["Backbone", "BACKBONES"]
