"""A real worker keeps its database connection from one task to the next (a connection per
letter would cost more than many letters' own queries) and still survives losing it."""

import pytest
from django.db import connection

from tests.conftest import require_postgres
from tests.worker import Worker, purge_broker, wait_for
from warnings_app.models import Heartbeat
from warnings_app.tasks import heartbeat_task

APP_NAME = "warnings-test-worker"  # libpq names the worker's connections after PGAPPNAME
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _worker_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s",
            [APP_NAME],
        )
        return {pid for (pid,) in cursor.fetchall()}


def _beat_and_wait() -> None:
    Heartbeat.objects.all().delete()
    heartbeat_task.delay()
    assert wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), 30)


def test_a_worker_reuses_its_connection_and_reconnects_when_the_database_drops_it(redis_broker):
    require_postgres()
    purge_broker()
    worker = Worker(concurrency=1, extra_env={"PGAPPNAME": APP_NAME}).start()
    try:
        assert wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), 60)
        _beat_and_wait()
        first = _worker_backends()
        assert first, "the worker closed its connection after the task"
        for _ in range(5):
            _beat_and_wait()
        assert _worker_backends() == first  # no new connection per task

        with connection.cursor() as cursor:
            for pid in first:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        _beat_and_wait()  # the next task notices, reconnects and does its work

        assert _worker_backends().isdisjoint(first)
    finally:
        worker.stop()
