"""`manage.py runstack` (what `make run` starts) behaves like a well-made dev server: it says
"Ready" only when web and worker answer, a hang-up of its terminal stops every child, and a second
start while one runs is refused with the process that holds it."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.process_helpers import ROOT, free_port, process_env, run_python
from warnings_demo.local_stack import is_alive

READY_TIMEOUT = 150


def _stack_env(var_dir: Path, redis_broker: str) -> dict[str, str]:
    return process_env(
        DEBUG="true",
        VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'db.sqlite3'}",
        CELERY_BROKER_URL=redis_broker.rsplit("/", 1)[0] + "/14",
        PYTHONUNBUFFERED="1",
    )


def _runstack(env: dict[str, str], port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "runstack", "--addr", f"127.0.0.1:{port}", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _read_until(proc: subprocess.Popen, marker: str, timeout: float) -> str:
    """Everything the process printed up to and including the line with `marker`."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    proc.kill()
    pytest.fail(f"no {marker!r} within {timeout} s; output:\n{''.join(seen)}")


def _wait_gone(pids: list[int], timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if is_alive(pid)]
        if not alive:
            return []
        time.sleep(0.2)
    return alive


@pytest.fixture
def stack(tmp_path, redis_broker):
    """A running stack on its own SQLite file and port; stopped (and checked) by the test."""
    env = _stack_env(tmp_path, redis_broker)
    port = free_port()
    proc = _runstack(env, port, "--no-seed")
    output = _read_until(proc, "Ready:", READY_TIMEOUT)
    record = json.loads((tmp_path / "runstack.json").read_text())
    yield {"proc": proc, "env": env, "port": port, "output": output, "record": record}
    if proc.poll() is None:
        proc.terminate()
        proc.communicate(timeout=60)
    for pid in _wait_gone(list(record.values()), timeout=5):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_ready_is_printed_last_once_web_and_worker_answer(stack):
    output = stack["output"]

    assert "Migrating the database" in output
    assert output.rstrip().endswith(f"Ready: http://127.0.0.1:{stack['port']}/")
    assert set(stack["record"]) == {"runstack", "web", "worker", "beat"}
    with socket.create_connection(("127.0.0.1", stack["port"]), timeout=5):
        pass  # the web server is answering when Ready is printed


def test_a_hang_up_stops_every_child(stack):
    proc, record = stack["proc"], stack["record"]
    children = [pid for name, pid in record.items() if name != "runstack"]

    proc.send_signal(signal.SIGHUP)
    rest, _ = proc.communicate(timeout=60)

    assert proc.returncode == 0, rest
    assert "SIGHUP: stopping web, worker and beat." in rest
    assert _wait_gone(children) == []
    assert not (Path(stack["env"]["VAR_DIR"]) / "runstack.json").exists()


def test_a_second_start_is_refused_and_names_the_running_stack(stack):
    env, record = stack["env"], stack["record"]

    second = run_python("manage.py", "runstack", "--addr", f"127.0.0.1:{free_port()}", env=env)

    assert second.returncode != 0
    assert "A stack is already running" in second.stderr
    assert f"worker: pid {record['worker']}" in second.stderr
    assert "celery" in second.stderr  # the holder's command line, not only its pid
    assert is_alive(record["web"])  # the running stack was left alone


def test_a_taken_port_is_refused_naming_its_holder(tmp_path, redis_broker):
    env = _stack_env(tmp_path, redis_broker)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        result = run_python("manage.py", "runstack", "--addr", f"127.0.0.1:{port}", env=env)

    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use by process {os.getpid()}" in (result.stderr)
    assert not (tmp_path / "db.sqlite3").exists()  # refused before touching anything
