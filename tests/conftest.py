"""Shared fixtures, and the rule that a run talks to the real services it was pointed at."""

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import UserFactory
from warnings_app.roles import ALL_ROLES

IN_CI = os.environ.get("CI") == "true"


def pytest_sessionstart(session):
    if IN_CI and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit("CI must run against PostgreSQL: set DATABASE_URL=postgres://...", 2)


def require_postgres() -> None:
    """Skip outside CI when the run uses SQLite; in CI the session check above already failed."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")


@pytest.fixture
def role_users(db):
    """One user per role, keyed by role name."""
    return {role: UserFactory(username=role.lower(), role=role) for role in ALL_ROLES}


@pytest.fixture
def client_as(client, role_users):
    def login(role: str):
        client.force_login(role_users[role])
        return client

    return login
