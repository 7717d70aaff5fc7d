from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import require_postgres
from tests.worker import Worker, purge_broker, wait_for
from warnings_app.models import Heartbeat
from warnings_app.services.heartbeats import heartbeat_record
from warnings_app.tasks import heartbeat_task

WORKER_START_TIMEOUT = 60


@pytest.mark.django_db
def test_healthz_is_public_and_reports_a_missing_worker(client, redis_broker):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "transport": "redis"}
    assert body["worker"] == {"ok": False, "last_seen": None}


@pytest.mark.django_db
def test_healthz_is_ok_when_the_worker_heartbeat_is_fresh(client, redis_broker):
    heartbeat_task()  # the task body, as the worker runs it

    body = client.get(reverse("healthz")).json()

    assert body["status"] == "ok"
    assert body["worker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_reports_a_stale_heartbeat_and_an_unreachable_broker(client, settings):
    heartbeat_record(name="worker")
    too_old = timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS + 1)
    Heartbeat.objects.update(seen_at=timezone.now() - too_old)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get(reverse("healthz"))

    body = response.json()
    assert response.status_code == 503
    assert body["worker"]["ok"] is False
    assert body["broker"]["ok"] is False
    assert "127.0.0.1:1" not in response.content.decode()  # no addresses leak


@pytest.mark.django_db
def test_a_heartbeat_from_the_future_does_not_count(client, redis_broker):
    heartbeat_record(name="worker")
    Heartbeat.objects.update(seen_at=timezone.now() + timedelta(hours=1))

    assert client.get(reverse("healthz")).json()["worker"]["ok"] is False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_takes_the_heartbeat_off_redis(client, redis_broker):
    require_postgres()
    purge_broker()
    worker = Worker(concurrency=1).start()
    try:
        assert wait_for(
            lambda: Heartbeat.objects.filter(name="worker").exists(), WORKER_START_TIMEOUT
        ), "worker did not start"
        Heartbeat.objects.all().delete()
        assert client.get(reverse("healthz")).json()["worker"]["ok"] is False

        heartbeat_task.delay()

        assert wait_for(lambda: client.get(reverse("healthz")).status_code == 200, 30)
        assert Heartbeat.objects.get(name="worker").detail  # written by the worker process
    finally:
        worker.stop()
