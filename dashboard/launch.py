"""``ssl-lab``: start the lab's Streamlit server with the environment the trainer needs.

glibc's malloc returns every large activation to the kernel by default, which made a training
step 2.3x slower inside the Streamlit server on a 2-core CPU (DESIGN §5). The three malloc
settings below fix that, but only when set before the process starts, so this command execs a
fresh ``streamlit run`` with them in its environment.

``ssl-lab --classroom class.toml`` serves a whole class (see :mod:`sslcore.classroom`): the
policy file is checked before the server starts, its path reaches the server through
``$SSL_LAB_CLASSROOM``, and when the file holds no ``teacher_token`` a fresh one is made for
this start and printed in the teacher's link. Always: tracebacks hidden from users, XSRF
protection on, uploads capped.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from sslcore import api
from sslcore.config import ConfigError

MALLOC_ENV = {
    "MALLOC_ARENA_MAX": "1",
    "MALLOC_MMAP_THRESHOLD_": "1073741824",
    "MALLOC_TRIM_THRESHOLD_": "2147483647",
}
APP = Path(__file__).with_name("app.py")
MAX_UPLOAD_MB = 50  # outside classroom mode; a class uses its policy's max_upload_mb


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ssl-lab", description="Open SSL Lab in the browser.")
    parser.add_argument("--port", type=int, default=8501, help="port to serve on (8501)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (127.0.0.1; 0.0.0.0 for a classroom)",
    )
    parser.add_argument("--runs-dir", default="runs", help="where runs are written (./runs)")
    parser.add_argument(
        "--classroom",
        metavar="FILE",
        help="serve a class with the limits in FILE (.toml, .yaml or .json; see the README)",
    )
    return parser.parse_args(argv)


def classroom_policy(args: argparse.Namespace) -> api.ClassroomPolicy | None:
    """The policy of ``--classroom``, checked now so a typo stops the start, not a lesson."""
    return api.load_classroom(args.classroom) if args.classroom else None


def server_command(
    args: argparse.Namespace, policy: api.ClassroomPolicy | None = None
) -> list[str]:
    """The ``streamlit run`` command line: headless, no usage stats, no tracebacks shown,
    XSRF protection on, uploads capped.

    Two of Streamlit's defaults cost a training run most of its speed while a page watches it
    (the server process holds the run's thread too): ``runner.postScriptGC`` runs a full
    ``gc.collect(2)`` after every rerun, so every poll of the Train page (then every 1.5 s) stopped
    training for a full collection of a heap holding torch (a third of the process's samples
    in py-spy); and the source-file watcher polls the app's files for edits. Both are off.
    """
    upload_mb = policy.max_upload_mb if policy is not None else MAX_UPLOAD_MB
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.address", args.host,
        "--server.port", str(args.port),
        "--browser.gatherUsageStats", "false",
        "--client.showErrorDetails", "false",
        "--client.toolbarMode", "minimal",
        "--server.enableXsrfProtection", "true",
        "--server.maxUploadSize", str(upload_mb),
        "--runner.postScriptGC", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip


def server_env(args: argparse.Namespace, teacher_token: str = "") -> dict[str, str]:
    """The server's environment: malloc settings, the runs directory, the classroom file."""
    env = dict(os.environ, **MALLOC_ENV)
    env["SSL_LAB_RUNS_DIR"] = str(Path(args.runs_dir).resolve())
    api.classroom_env(env, args.classroom, teacher_token)  # only --classroom turns it on
    return env


def main(argv: list[str] | None = None) -> None:
    """Replace this process with the Streamlit server (so signals reach it directly)."""
    args = parse_args(argv)
    try:
        policy = classroom_policy(args)
    except ConfigError as err:
        sys.exit(f"ssl-lab: error: {err}")
    Path(args.runs_dir).mkdir(parents=True, exist_ok=True)
    command = server_command(args, policy)
    url = f"http://{args.host}:{args.port}"
    print(f"SSL Lab: {url}  (runs in {Path(args.runs_dir).resolve()})", flush=True)
    token = ""
    if policy is not None:
        token = policy.teacher_token or secrets.token_urlsafe(18)
        print(
            f"Classroom mode: {policy.max_concurrent} run(s) train at once. Students open {url}\n"
            f"Teacher (keep this link to yourself): {url}/train?teacher={token}",
            flush=True,
        )
    os.execve(sys.executable, command, server_env(args, "" if policy is None else token))


if __name__ == "__main__":
    main()
