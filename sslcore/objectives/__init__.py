"""The objective registry: one literal dict of classes, built without import side effects.

PLACEHOLDER: filled as objectives land.
"""

from sslcore.objectives.base import Objective

OBJECTIVES: dict[str, type[Objective]] = {}

__all__ = ["Objective", "OBJECTIVES"]
