"""``python -m sslcore`` (also under ``torchrun``) runs the command line."""

import sys

from sslcore.cli import main

sys.exit(main())
