"""Shared fixtures, and the rule that a run talks to the real services it was pointed at."""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection, connections

from tests.factories import UserFactory
from warnings_app.domain.roles import ALL_ROLES
from warnings_app.selectors.health import broker_reachable

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


# CI runs the suite twice: on SQLite (the README's default `make test`), where the tests that
# need PostgreSQL skip, then on PostgreSQL, where nothing may skip. There a skip is reported as
# a failure, with its reason, so a test cannot quietly stop running.
SKIPS_FAIL = IN_CI and _on_postgres()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if SKIPS_FAIL and report.skipped and not hasattr(report, "wasxfail"):
        _fail_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    if SKIPS_FAIL and report.skipped:
        _fail_skip(report)
    return report


def _fail_skip(report) -> None:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = f"skipped in CI on PostgreSQL, where nothing may skip: {reason}"


def require_postgres(why: str = "") -> None:
    """Skip when the run uses SQLite, saying why (`why`: what the test needs PostgreSQL for).
    On PostgreSQL the test runs; in CI there a skip would fail the run anyway (above)."""
    if connection.vendor != "postgresql":
        need = f"needs PostgreSQL ({why})" if why else "needs PostgreSQL"
        pytest.skip(f"{need}: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")


REDIS_START = (
    "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no"
)


@pytest.fixture
def redis_broker():
    """The broker URL, after checking that Redis answers. Without Redis the test fails and says
    how to start it, unless the run was told Redis is unavailable (NO_REDIS=1; never in CI)."""
    url = settings.CELERY_BROKER_URL
    ok, error = broker_reachable(url)
    if not ok:
        if os.environ.get("NO_REDIS") == "1" and not IN_CI:
            pytest.skip("NO_REDIS=1: Redis is declared unavailable for this run")
        pytest.fail(f"Redis is not reachable at {url} ({error}). Start it with: {REDIS_START}")
    return url


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


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, with Django's mail settings pointed at it."""
    from tests.smtp_server import SmtpServer

    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "warnings_app.integrations.smtp.TrackingEmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server
    from warnings_app.integrations.smtp import discard_shared_backend

    discard_shared_backend()  # the next test's server may get the same port


@pytest.fixture
def worker_for(smtp_server, redis_broker):
    """Starts real Celery worker processes (`worker_for(concurrency=2, ...)`) against the broker
    and the SMTP server on loopback; each is stopped and the broker emptied afterwards."""
    from tests.worker import Worker, purge_broker

    require_postgres("a worker process shares the test database")
    purge_broker()
    started: list[Worker] = []

    def start(**kwargs) -> Worker:
        worker = Worker(smtp_port=smtp_server.port, **kwargs).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    purge_broker()


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium driven by Playwright's sync API."""
    if not shutil.which("chromium") and not os.path.exists(CHROMIUM):
        if os.environ.get("SKIP_BROWSER_TESTS") and not IN_CI:
            pytest.skip("SKIP_BROWSER_TESTS set and Chromium is not installed")
        pytest.fail("Chromium is missing: apt-get install chromium (make test does this as root)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are
    # still plain synchronous calls, so Django's async-safety guard does not apply.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # The test's ORM calls ran in Playwright's context, whose connections the test database
        # teardown cannot see: close them here or dropping the database finds them still open.
        connections.close_all()


@pytest.fixture(scope="session")
def test_authority(tmp_path_factory):
    """A test CA and a real RFC 3161 timestamp authority on loopback (certomancer), for the
    whole session: see tests/timestamp_authority.py."""
    from tests.timestamp_authority import TestAuthority

    authority = TestAuthority(tmp_path_factory.mktemp("test-authority")).start()
    yield authority
    authority.stop()


@pytest.fixture
def test_tsa(settings, test_authority):
    """Points the signing settings at the test CA's letter-signing certificate and key and the
    timestamp settings at its TSA on loopback, trusting only the test CA's root. Gives the
    TestAuthority (root_pem is the CA root's PEM path)."""
    settings.SIGNING_CERT = test_authority.signer_cert_pem
    settings.SIGNING_KEY = test_authority.signer_key_pem
    settings.SIGNING_KEY_PASSWORD = ""
    settings.SIGNING_CHAIN = []
    settings.SIGNING_TRUST_ROOTS = [test_authority.root_pem]
    settings.TSA_URL = test_authority.url
    settings.TSA_TRUST_ROOTS = [test_authority.root_pem]
    return test_authority
