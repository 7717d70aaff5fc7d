"""The rule of tests/conftest.py for CI: on SQLite a test that needs PostgreSQL skips and says
why; in CI on PostgreSQL nothing may skip, and a skip fails the run naming the test and the
reason. Checked by running pytest on a small suite that skips, with this conftest's hooks."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPING_MODULE = """
import pytest

pytest.importorskip("a_module_nobody_installs", reason="skipped while collecting")


def test_one():
    pass
"""
SKIPPING_TEST = """
import pytest


def test_that_skips():
    pytest.skip("for a reason of its own")


def test_that_runs():
    pass
"""


def _pytest(tmp_path: Path, suites: list[str], **env: str) -> subprocess.CompletedProcess:
    """pytest, with the project's settings and this conftest's hooks, on the test modules."""
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport\n"
    )
    for n, suite in enumerate(suites):
        (tmp_path / f"test_suite_{n}.py").write_text(suite)
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "DATABASE_URL")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            ROOT / "pyproject.toml",
            "-p",
            "no:cacheprovider",
            tmp_path,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**environment, **env},
    )


# No test here touches the database: the address only has to say PostgreSQL.
ON_POSTGRES = {"DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}


def test_in_ci_on_postgresql_a_skip_fails_the_run_with_its_reason(tmp_path):
    run = _pytest(tmp_path, [SKIPPING_TEST], CI="true", **ON_POSTGRES)

    assert run.returncode == 1, run.stdout
    assert re.search(
        r"^FAILED \S*test_suite_0.py::test_that_skips - skipped in CI", run.stdout, re.MULTILINE
    )
    assert "where nothing may skip: for a reason of its own" in run.stdout
    assert "1 failed, 1 passed" in run.stdout


def test_in_ci_on_postgresql_a_module_skipped_while_collecting_fails_the_run(tmp_path):
    run = _pytest(tmp_path, [SKIPPING_MODULE], CI="true", **ON_POSTGRES)

    assert run.returncode != 0, run.stdout
    assert "where nothing may skip: skipped while collecting" in run.stdout


def test_outside_ci_on_postgresql_a_skip_is_a_skip(tmp_path):
    run = _pytest(tmp_path, [SKIPPING_TEST], **ON_POSTGRES)

    assert run.returncode == 0, run.stdout
    assert "1 passed, 1 skipped" in run.stdout


def test_in_ci_on_sqlite_a_skip_is_a_skip_and_says_why(tmp_path):
    run = _pytest(tmp_path, [SKIPPING_TEST, SKIPPING_MODULE], CI="true")

    assert run.returncode == 0, run.stdout
    assert re.search(r"^SKIPPED \[1\] .*: for a reason of its own$", run.stdout, re.MULTILINE)
    assert re.search(r"^SKIPPED \[1\] .*: skipped while collecting$", run.stdout, re.MULTILINE)
    assert "1 passed, 2 skipped" in run.stdout
