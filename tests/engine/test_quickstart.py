"""examples/quickstart.ipynb runs from top to bottom (shortened through its parameters cell)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"
# Seconds instead of minutes: the cell tagged "parameters" is replaced (papermill's convention).
SHORT = "steps = 30\nbatch_size = 32\ntrain_size = 1000"


@pytest.mark.slow  # out of make test-fast: a kernel and 30 steps, ~30 s
def test_the_quickstart_notebook_runs(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    parameters[0].source = SHORT
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on a failure

    outputs = [o for c in notebook.cells for o in c.get("outputs", [])]
    text = "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "finished, step 30/30" in text
    assert "kNN accuracy of the shape:" in text
    assert re.search(r"\(torch.Size\(\[4, (\d+)\]\), \1\)", text)  # h is (B, out_dim)
    assert sum("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs) == 3
    assert list((tmp_path / "runs").iterdir())  # the run was written where the notebook ran
