"""``ssl-lab``: start the lab's Streamlit server with the environment the trainer needs.

glibc's malloc returns every large activation to the kernel by default, which made a training
step 2.3x slower inside the Streamlit server on a 2-core CPU (DESIGN §5). The three malloc
settings below fix that, but only when set before the process starts, so this command execs a
fresh ``streamlit run`` with them in its environment.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

MALLOC_ENV = {
    "MALLOC_ARENA_MAX": "1",
    "MALLOC_MMAP_THRESHOLD_": "1073741824",
    "MALLOC_TRIM_THRESHOLD_": "2147483647",
}
APP = Path(__file__).with_name("app.py")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ssl-lab", description="Open SSL Lab in the browser.")
    parser.add_argument("--port", type=int, default=8501, help="port to serve on (8501)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (127.0.0.1; 0.0.0.0 for a classroom)",
    )
    parser.add_argument("--runs-dir", default="runs", help="where runs are written (./runs)")
    return parser.parse_args(argv)


def server_command(args: argparse.Namespace) -> list[str]:
    """The ``streamlit run`` command line: headless, no usage stats, no tracebacks shown."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.address", args.host,
        "--server.port", str(args.port),
        "--browser.gatherUsageStats", "false",
        "--client.showErrorDetails", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ, **MALLOC_ENV)
    env["SSL_LAB_RUNS_DIR"] = str(Path(args.runs_dir).resolve())
    return env


def main(argv: list[str] | None = None) -> None:
    """Replace this process with the Streamlit server (so signals reach it directly)."""
    args = parse_args(argv)
    Path(args.runs_dir).mkdir(parents=True, exist_ok=True)
    command = server_command(args)
    print(
        f"SSL Lab: http://{args.host}:{args.port}  (runs in {Path(args.runs_dir).resolve()})",
        flush=True,
    )
    os.execve(sys.executable, command, server_env(args))


if __name__ == "__main__":
    main()
