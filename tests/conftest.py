"""Suite-wide settings: on CI, property tests draw the same examples every run (no flakes)."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
