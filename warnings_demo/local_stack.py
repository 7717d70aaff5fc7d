"""The process bookkeeping behind `manage.py runstack` (development only): who holds a port, the
record of a running stack, children that die with their parent, and waiting until it answers."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends SIGTERM when runstack dies, even by SIGKILL,
    so no worker or web server outlives it. Linux only; elsewhere the signal handlers do it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def start_child(argv: list[str], *, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """A child in its own session (a terminal's Ctrl-C or hang-up reaches runstack only, which
    then stops the children in order) that is ended if runstack goes away."""
    return subprocess.Popen(  # noqa: S603 (argv built by runstack, no shell)
        argv, env=env, cwd=cwd, start_new_session=True, preexec_fn=_die_with_parent
    )


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def describe_process(pid: int) -> str:
    """'1234 (python manage.py runserver …)', or just the pid when it cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return str(pid)
    command = raw.replace(b"\0", b" ").decode(errors="replace").strip()
    return f"{pid} ({command[:120]})" if command else str(pid)


def port_holder(port: int) -> int | None:
    """The pid listening on a TCP port, read from /proc (no lsof or ss needed); None when it
    cannot be told (another user's process, or not Linux)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{inode}]")
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited; only its parent has not collected it yet.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


class StackRecord:
    """var/runstack.json: the pids of a running stack, so a second start can name them."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def running(self) -> dict[str, int]:
        """Name -> pid of each process of a previous stack that is still alive."""
        try:
            recorded = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return {name: pid for name, pid in recorded.items() if is_alive(int(pid))}

    def write(self, pids: dict[str, int]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(pids))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def web_answers(url: str) -> bool:
    """True once the web server answers HTTP at all (/healthz says 503 until the worker is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback address)
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def _never() -> bool:
    return False


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    interval: float = 0.3,
    stop: Callable[[], bool] = _never,
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop():
        if check():
            return True
        time.sleep(interval)
    return False
