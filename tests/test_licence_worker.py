"""The licence-dates job as production runs it: the task published to Redis and taken by real
Celery worker processes, raising the reminder once however often it is sent."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from tests.licence_deal_helpers import record_deal
from tests.preference_factories import artist_with_works, make_statement
from tests.worker import wait_for
from warnings_app import models as m
from warnings_app.tasks import licence_dates_task


def _broker_empty() -> bool:
    """No message waiting in the default queue nor held unacknowledged by a worker."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return broker.llen("celery") == 0 and broker.hlen("unacked") == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_raise_the_end_reminder_once_however_often_the_job_is_sent(
    worker_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    artist, _ = artist_with_works("Ona Open", 1)
    make_statement(artist, m.Preference.LICENSABLE, effective_from=today - timedelta(days=30))
    licence = record_deal(ends_on=today + timedelta(days=3), reporting_months=0)
    worker_for(concurrency=2)

    for _ in range(4):
        licence_dates_task.delay()

    assert wait_for(lambda: licence.reminders.filter(kind="ends").exists(), 60)
    assert wait_for(_broker_empty, 60)
    assert list(licence.reminders.values_list("kind", "due_on")) == [("ends", licence.ends_on)]
    assert m.AuditEvent.objects.filter(verb="licence.reminder_raised").count() == 1
