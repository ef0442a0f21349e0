"""The engine's layers point one way: ``lint-imports`` keeps the contracts in pyproject.toml.

CI runs ``make test`` only, so this test is what enforces them there: config.py imports no
registry, data never imports the classroom's checks, eval and transfer never import train, and
sslcore never imports the dashboard or streamlit, and the dashboard imports only four modules of
sslcore: api, config, store and jobs (imports inside functions count too).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None and not os.environ.get("CI"):  # on CI, `make test` installs it
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    assert lint_imports is not None, "import-linter is not installed (the dev extra)"
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_config_stays_light_and_still_refuses_unknown_names() -> None:
    """``import sslcore.config`` loads no torch; the first config built loads the registry
    checks (sslcore.validate), so an unknown name is refused with nothing else imported."""
    script = (
        "import sys\n"
        "from sslcore.config import ConfigError, ObjectiveConfig, RunConfig\n"
        "assert 'torch' not in sys.modules\n"
        "try:\n"
        "    ObjectiveConfig(name='no_such_method')\n"
        "except ConfigError as err:\n"
        "    assert err.field == 'objective.name', err\n"
        "else:\n"
        "    raise SystemExit('an unknown objective was accepted')\n"
        "assert RunConfig().objective.params['temperature'] == 0.2  # the method's defaults\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
