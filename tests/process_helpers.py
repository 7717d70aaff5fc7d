"""For tests that start the project's own commands as separate processes (manage.py, gunicorn):
an environment that holds only what the test gives it, and a free loopback port."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def process_env(**settings: str) -> dict[str, str]:
    """The real settings module, no developer's .env, nothing of this run's environment but the
    basics, and the given variables."""
    basics = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return basics | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "WARNINGS_IGNORE_DOTENV": "1",
        **settings,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_python(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    """`python <args>` from the repository root; the caller checks the exit code."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
