"""The two database roles of docs/operations.md, made with exactly the SQL printed there, in a
throwaway database: migrations run as the owner, and the application's role can read and
write rows but can neither truncate the audit tables nor switch their append-only triggers
off."""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require_postgres

DOC = Path(__file__).resolve().parent.parent / "docs" / "operations.md"
DATABASE = "anchor_roles_t"
OWNER, APP = "anchor_roles_t_owner", "anchor_roles_t_app"
PASSWORD = "CHANGE-ME"
AUDITED = ("warnings_app_auditevent", "warnings_app_auditanchor")


def _documented_sql() -> tuple[list[str], list[str]]:
    """The two SQL blocks of "The database roles", names changed to this test's, split into
    statements: the first for the server, the second inside the new database."""
    section = DOC.read_text().split("### The database roles", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 2, "docs/operations.md: the roles section should hold two SQL blocks"

    def ours(block: str) -> list[str]:
        block = re.sub(r"--[^\n]*", "", block)
        block = re.sub(r"'CHANGE-ME[^']*'", f"'{PASSWORD}'", block)
        block = re.sub(r"\bDATABASE warnings\b", f"DATABASE {DATABASE}", block)
        block = re.sub(r"\bwarnings_owner\b", OWNER, block)
        block = re.sub(r"\bwarnings\b", APP, block)
        return [s.strip() for s in block.split(";") if s.strip()]

    return ours(blocks[0]), ours(blocks[1])


def _url(user: str, password: str | None, database: str) -> str:
    params = settings.DATABASES["default"]
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    login = f"{user}:{password}" if password else user
    return f"postgres://{login}@{host}:{port}/{database}"


def _drop(admin: psycopg.Connection) -> None:
    admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    for role in (APP, OWNER):
        admin.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
def roles_database():
    require_postgres("roles, owners and triggers are PostgreSQL's")
    params = connection.settings_dict
    superuser = _url(params["USER"], params["PASSWORD"], "postgres")
    server, inside = _documented_sql()
    with psycopg.connect(superuser, autocommit=True) as admin:
        _drop(admin)
        try:
            for statement in server:
                admin.execute(statement)
            with psycopg.connect(
                _url(params["USER"], params["PASSWORD"], DATABASE), autocommit=True
            ) as there:
                for statement in inside:
                    there.execute(statement)
            yield
        finally:
            _drop(admin)


def test_the_application_role_cannot_truncate_or_disable_the_audit_triggers(roles_database):
    env = {
        **os.environ,
        "DATABASE_URL": _url(OWNER, PASSWORD, DATABASE),
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
    }
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=DOC.parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    with psycopg.connect(_url(APP, PASSWORD, DATABASE), autocommit=True) as app:
        # Rows: the application's ordinary work.
        app.execute(
            "INSERT INTO warnings_app_auditevent (created_at, verb, target_type, target_id,"
            " target_repr, from_state, to_state, data, prev_hash, hash) VALUES (now(), 'x', '',"
            " '', '', '', '', '{}', repeat('0', 64), repeat('1', 64))"
        )
        assert app.execute("SELECT count(*) FROM warnings_app_auditevent").fetchone() == (1,)
        assert app.execute("SELECT count(*) FROM auth_group").fetchone()[0] == 4
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            app.execute("DELETE FROM warnings_app_auditevent")
        for table in AUDITED:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
                app.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
                app.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
                app.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                app.execute(f"TRUNCATE {table}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            app.execute("SET session_replication_role = replica")
        assert app.execute("SELECT count(*) FROM warnings_app_auditevent").fetchone() == (1,)
