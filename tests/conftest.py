"""Suite-wide settings and the fixtures every folder shares.

On CI, property tests draw the same examples every run (no flakes). The folders (``unit``,
``engine``, ``dashboard``, ``browser``, ``reliability``) share tiny runs that train in seconds
(``tiny_config``, ``new_store``, ``finished_text_run``), a way to wait for a background run
(``wait_until``), a benchmark script run end to end at a tiny size (``run_benchmark``), and a
real ``ssl-lab`` server (``lab_server``, ``serve_lab``) with the system Chromium (``browser``,
``new_tab``). What one folder alone needs is in its own ``conftest.py`` (``unit``: the pretext
builders; ``browser``: reading a Streamlit page).

Tests take these as fixtures and import no helper module, no other test and no benchmark: a
helper the test calls (``tiny_config("byol")``) is a session fixture returning the function.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from sslcore.config import RunConfig, replace, to_dict
from sslcore.recipes import recipe_config
from sslcore.store import RunStore

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]

# --- Tiny runs: a few seconds of training on a 2-core CPU ---------------------------------

TINY = {
    "data.image_size": 16,
    "data.train_size": 512,
    "data.test_size": 256,
    "backbone.width": 8,
    "optim.batch_size": 32,
    "optim.steps": 20,
    "optim.warmup_steps": 2,
    "monitor.log_every": 5,
    "monitor.eval_every": 10,
    "monitor.checkpoint_every": 10,
    "monitor.probe_size": 64,
    "num_threads": 1,
}

TEXT_TINY = {
    "data.context_length": 16,
    "data.tokenizer": "words",
    "backbone.vit_dim": 32,
    "backbone.vit_heads": 2,
    "backbone.vit_depth": 1,
    "optim.batch_size": 16,
    "optim.steps": 4,
    "optim.warmup_steps": 1,
    "monitor.eval_every": 4,
    "monitor.log_every": 2,
    "monitor.checkpoint_every": 4,
    "monitor.probe_size": 48,
    "num_threads": 1,
}


def tiny_config(objective: str = "simclr", **changes: object) -> RunConfig:
    """The objective's recipe shrunk to a few seconds of training, with dotted ``changes``."""
    return replace(recipe_config(objective), **{**TINY, **changes})


def new_store(tmp_path: Path, config: RunConfig, name: str = "run") -> RunStore:
    """A run directory ``tmp_path/name`` created for ``config`` (nothing trained yet)."""
    store = RunStore(tmp_path / name)
    store.create(to_dict(config))
    return store


def write_photos(path: Path, train: int = 40, test: int = 8) -> str:
    """A Keras-layout npz of random 32x32 RGB images (4 classes); its ``npz:`` dataset name.

    RGB without generative factors counts as photographs (``sslcore.recipes.is_photographic``).
    """
    import numpy as np

    rng = np.random.default_rng(0)
    images = {n: rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8)
              for n, count in (("x_train", train), ("x_test", test))}  # fmt: skip
    np.savez(path, **images, y_train=np.arange(train) % 4, y_test=np.arange(test) % 4)
    return f"npz:{path}"


def tiny_text_config(objective: str = "mlm", **changes: object) -> RunConfig:
    """The text objective's recipe on ``stdlib_docs``, shrunk to a few steps."""
    return replace(recipe_config(objective), **{**TEXT_TINY, **changes})


def finished_text_run(runs_dir: Path, objective: str = "mlm", name: str = "text") -> RunStore:
    """A finished tiny text run (checkpoint, embeddings with their texts, text snapshots): a
    second or two."""
    from sslcore.train import Trainer

    config = tiny_text_config(objective)
    store = new_store(runs_dir, config, name)
    summary = Trainer(config, store).run()
    assert summary["state"] == "finished", summary
    return store


def wait_until(predicate: Callable[[], object], timeout: float = 120.0) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(name="tiny", scope="session")
def tiny_fixture() -> dict[str, object]:
    """The dotted settings of a tiny run (a copy: change it freely)."""
    return dict(TINY)


@pytest.fixture(name="tiny_flags", scope="session")
def tiny_flags_fixture() -> list[str]:
    """A tiny run's settings as ``--set=key=value`` flags, all but the number of steps: the
    command gives that as ``--steps``."""
    return [f"--set={key}={value}" for key, value in TINY.items() if key != "optim.steps"]


@pytest.fixture(name="tiny_config", scope="session")
def tiny_config_fixture() -> Callable[..., RunConfig]:
    """``tiny_config(objective="simclr", **dotted_changes)``: a RunConfig that trains in seconds."""
    return tiny_config


@pytest.fixture(name="new_store", scope="session")
def new_store_fixture() -> Callable[..., RunStore]:
    """``new_store(tmp_path, config, name="run")``: a created run directory for ``config``."""
    return new_store


@pytest.fixture(name="write_photos", scope="session")
def write_photos_fixture() -> Callable[..., str]:
    """``write_photos(path, train=40, test=8)``: random RGB photographs in an npz; its name."""
    return write_photos


@pytest.fixture(name="tiny_text_config", scope="session")
def tiny_text_config_fixture() -> Callable[..., RunConfig]:
    """``tiny_text_config(objective="mlm", **dotted_changes)``: a text run of a few steps."""
    return tiny_text_config


@pytest.fixture(name="finished_text_run", scope="session")
def finished_text_run_fixture() -> Callable[..., RunStore]:
    """``finished_text_run(runs_dir, objective="mlm", name="text")``: a tiny finished text run."""
    return finished_text_run


@pytest.fixture(name="wait_until", scope="session")
def wait_until_fixture() -> Callable[..., bool]:
    """``wait_until(predicate, timeout=120.0)``: True once it holds, False after the timeout."""
    return wait_until


def run_benchmark(script: str, *args: str, timeout: float = 600, **env: str) -> str:
    """``python benchmarks/<script> *args`` from the repository root, one thread (and ``env``);
    its standard output, once it has exited 0 (otherwise the test fails with its stderr)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        env=dict(os.environ, OMP_NUM_THREADS="1", **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(name="run_benchmark", scope="session")
def run_benchmark_fixture() -> Callable[..., str]:
    """``run_benchmark(script, *args, timeout=600, **env)``: a benchmark's output, run at a tiny
    size to check it still runs end to end (never how fast)."""
    return run_benchmark


# --- A real lab in a real browser -----------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip without ``/usr/bin/chromium``, unless ``SSL_LAB_REQUIRE_BROWSER=1`` (CI) fails."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install it (apt-get install -y chromium) to run this test"
    if os.environ.get("SSL_LAB_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_lab(tmp_path: Path, *extra_args: str) -> Iterator[str]:
    """``ssl-lab`` (with ``extra_args``) on a free port and a temporary runs directory; its URL
    while it serves, stopped by its PID afterwards."""
    require_chromium()
    port = free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed in teardown)
    command = [
        sys.executable,
        "-m",
        "dashboard.launch",
        "--port",
        str(port),
        "--runs-dir",
        str(tmp_path / "runs"),
        *extra_args,
    ]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            log.close()
            pytest.fail(f"ssl-lab did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")
        time.sleep(0.5)
    yield url
    os.kill(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    log.close()


def new_tab(browser):
    """A fresh page of ``browser``, projector-sized, with a patient default timeout."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(60_000)
    return page


@pytest.fixture(name="free_port", scope="session")
def free_port_fixture() -> Callable[[], int]:
    """``free_port()``: a TCP port on 127.0.0.1 that nothing listens on (yet)."""
    return free_port


@pytest.fixture(name="serve_lab", scope="session")
def serve_lab_fixture() -> Callable[..., Iterator[str]]:
    """``yield from serve_lab(tmp_path, *args)`` in a fixture: a lab server of its own scope."""
    return serve_lab


@pytest.fixture(name="new_tab", scope="session")
def new_tab_fixture() -> Callable[[object], object]:
    """``new_tab(browser)``: a fresh, projector-sized page with a patient default timeout."""
    return new_tab


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[str]:
    """The lab as one user runs it on their laptop."""
    yield from serve_lab(tmp_path)


@pytest.fixture
def class_lab_server(tmp_path: Path) -> Iterator[str]:
    """The lab as a class server: a policy with no folders of the students' own."""
    policy = tmp_path / "class.json"
    policy.write_text('{"max_concurrent": 1, "per_user_runs": 1, "max_steps": 200}')
    yield from serve_lab(tmp_path, "--classroom", str(policy))


@pytest.fixture
def browser() -> Iterator[object]:
    """The system Chromium, headless, driven by Playwright; closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
