"""Delivery with the real parts: Redis, a worker process, PostgreSQL and SMTP on loopback.
After each fault the delivery invariants are checked: no duplicates, nothing lost,
the sent bytes are the stored bytes."""

import hashlib
import os
import signal
import threading
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.campaign_helpers import make_campaign
from tests.conftest import require_postgres
from tests.factories import UserFactory
from tests.letters_helpers import notice_with_schedule
from tests.worker import Beat, purge_broker, wait_for
from warnings_app.models import Campaign, DeliveryAttempt, FollowUp, Notice, Response
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services import notice_approve, notice_render
from warnings_app.services.campaigns import campaign_approve, campaign_generate, campaign_send
from warnings_app.services.delivery.queue import notice_queue
from warnings_app.services.delivery.sweep import notices_sweep
from warnings_app.services.followups import followups_process
from warnings_app.services.pipeline import renders_sweep
from warnings_app.services.rendering import stored_pdf_bytes

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _statuses(**filters) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Notice.objects.filter(**filters).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def _assert_each_sent_once(smtp_server, notices) -> None:
    ids = smtp_server.handler.message_ids()
    assert len(ids) == len(set(ids)), "a notice was delivered twice"
    by_id = {r.message["Message-ID"]: r.message for r in smtp_server.handler.received}
    for notice in notices:
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.SENT, notice.reference
        message = by_id[f"<{notice.reference}.{notice.pk}@{settings.MESSAGE_ID_DOMAIN}>"]
        assert message["Reply-To"].startswith(f"notices+{notice.reference.lower()}-")
        [pdf] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
        content = pdf.get_payload(decode=True)
        assert hashlib.sha256(content).hexdigest() == notice.pdf_sha256
        assert content == stored_pdf_bytes(notice)


def test_a_50_notice_campaign_delivers_50_messages(worker_for, smtp_server):
    worker_for(concurrency=2)
    campaign = make_campaign(companies=50)

    campaign_generate(campaign=campaign, by=campaign.created_by)
    assert wait_for(lambda: _statuses(campaign=campaign) == {"rendered": 50}, 180), _statuses(
        campaign=campaign
    )
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    campaign_send(campaign=campaign, by=campaign.created_by)
    assert wait_for(lambda: _statuses(campaign=campaign) == {"sent": 50}, 120), _statuses(
        campaign=campaign
    )

    assert len(smtp_server.handler.received) == 50
    _assert_each_sent_once(smtp_server, Notice.objects.filter(campaign=campaign))


def _queued_letters(count: int) -> list[Notice]:
    approver = UserFactory(role="Legal")
    notices = []
    for _ in range(count):
        notice = notice_render(notice=notice_with_schedule(works=0), by=None)
        notices.append(notice_approve(notice=notice, by=approver))
    return notices


def test_sigkill_of_the_worker_child_mid_send_then_restart_delivers_each_once(
    worker_for, smtp_server
):
    smtp_server.handler.stall_first_rcpt = 8.0  # the first send hangs before its content
    notices = _queued_letters(3)
    worker = worker_for(concurrency=1)
    assert wait_for(lambda: bool(worker.children()), 30)

    for notice in notices:
        notice_queue(notice=notice, by=None)
    assert wait_for(lambda: smtp_server.handler.rcpt_commands >= 1, 60)
    for child in worker.children():
        os.kill(child, signal.SIGKILL)
    worker.stop()
    worker_for(concurrency=1)
    later = timezone.now() + timedelta(seconds=settings.SEND_LEASE_SECONDS + 1)
    assert wait_for(
        lambda: (
            notices_sweep(now=later) and _statuses(pk__in=[n.pk for n in notices]) == {"sent": 3}
        ),
        90,
        interval=2,
    )

    assert len(smtp_server.handler.received) == 3
    _assert_each_sent_once(smtp_server, notices)


def test_a_flushed_broker_loses_nothing_the_sweeper_delivers_all_100_once(worker_for, smtp_server):
    notices = _queued_letters(100)
    for notice in notices:
        notice_queue(notice=notice, by=None)  # published to Redis after each commit

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    worker_for(concurrency=2)
    later = timezone.now() + timedelta(minutes=3)
    notices_sweep(now=later)
    assert wait_for(lambda: _statuses(pk__in=[n.pk for n in notices]) == {"sent": 100}, 180)

    assert len(smtp_server.handler.received) == 100
    _assert_each_sent_once(smtp_server, notices)


def test_a_flushed_broker_during_generation_loses_no_letter(worker_for, smtp_server):
    campaign = make_campaign(companies=10)
    campaign_generate(campaign=campaign, by=campaign.created_by)  # render tasks now in Redis
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    worker_for(concurrency=2)

    assert renders_sweep() == 0  # too early to call them lost
    assert renders_sweep(now=timezone.now() + timedelta(minutes=11)) == 10
    assert wait_for(lambda: _statuses(campaign=campaign) == {"rendered": 10}, 120)
    # the last render commits its letter, then checks the campaign: wait for that step too
    assert wait_for(
        lambda: Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.IN_REVIEW, 30
    )


def test_two_followup_jobs_at_once_make_each_reminder_once(smtp_server):
    require_postgres()
    campaign = make_campaign(companies=6)
    campaign_generate(campaign=campaign, by=campaign.created_by)
    from warnings_app.tasks import render_notice_task

    for notice in Notice.objects.filter(campaign=campaign):
        render_notice_task(notice.pk)
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    campaign_send(campaign=campaign, by=campaign.created_by)
    from warnings_app.services.delivery.send import notice_deliver

    for notice in Notice.objects.filter(campaign=campaign):
        notice_deliver(notice_id=notice.pk, worker="test")
    due = FollowUp.objects.order_by("due_at").last().due_at + timedelta(minutes=1)
    barrier, results = threading.Barrier(2), []

    def job():
        try:
            barrier.wait(timeout=10)
            results.append(followups_process(now=due))
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(r["letters"] for r in results) == 6
    assert Notice.objects.filter(campaign=campaign, ladder_step__isnull=False).count() == 6
    assert set(FollowUp.objects.values_list("status", flat=True)) == {"done"}


def _outcomes(notice) -> list[str]:
    return list(notice.deliveries.order_by("pk").values_list("outcome", flat=True))


def test_smtp_faults_through_a_worker_retry_fail_or_park_as_they_should(worker_for, smtp_server):
    flaky, refused, dropped = _queued_letters(3)
    worker_for(concurrency=1)
    later = timezone.now() + timedelta(hours=1)  # sweeps run "later": the republish delay passed

    # 451, 451, then 250: one message, three attempts recorded.
    smtp_server.handler.script = ["451", "451", "250"]
    notice_queue(notice=flaky, by=None)
    for failures in (1, 2):
        assert wait_for(lambda n=failures: _outcomes(flaky).count("failed") == n, 60)
        assert wait_for(lambda: Notice.objects.get(pk=flaky.pk).status == "queued", 30)
        Notice.objects.filter(pk=flaky.pk).update(next_attempt_at=None)  # the backoff is over
        notices_sweep(now=later + timedelta(hours=failures))
    assert wait_for(lambda: Notice.objects.get(pk=flaky.pk).status == "sent", 60)
    assert _outcomes(flaky) == ["failed", "failed", "accepted"]
    assert len(smtp_server.handler.received) == 1

    # 550: no retry; the notice shows as failed with the server's reply.
    smtp_server.handler.script = ["550"]
    notice_queue(notice=refused, by=None)
    assert wait_for(lambda: Notice.objects.get(pk=refused.pk).status == "failed", 60)
    notices_sweep(now=later + timedelta(hours=3))
    assert refused.deliveries.get().server_reply.startswith("550 5.1.1")

    # The server takes the data and drops the connection: needs reconciliation, never resent.
    smtp_server.handler.script = ["drop"]
    notice_queue(notice=dropped, by=None)
    assert wait_for(lambda: Notice.objects.get(pk=dropped.pk).status == "needs_reconciliation", 60)
    notices_sweep(now=later + timedelta(hours=4))
    assert not wait_for(lambda: dropped.deliveries.count() > 1, 5)

    assert dropped.deliveries.get().outcome == DeliveryAttempt.Outcome.UNKNOWN
    assert smtp_server.handler.data_commands == 5  # 451, 451, 250, 550, drop: nothing more
    assert len(smtp_server.handler.received) == 2  # the 250 and the dropped one
    _assert_each_sent_once(smtp_server, [flaky])


def test_two_beat_schedulers_send_each_due_reminder_once(worker_for, smtp_server, tmp_path):
    campaign = make_campaign(companies=4)
    campaign_generate(campaign=campaign, by=campaign.created_by)
    from warnings_app.services.delivery.send import notice_deliver
    from warnings_app.tasks import render_notice_task

    for notice in Notice.objects.filter(campaign=campaign):
        render_notice_task(notice.pk)
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    campaign_send(campaign=campaign, by=campaign.created_by)
    purge_broker()
    for notice in Notice.objects.filter(campaign=campaign):
        notice_deliver(notice_id=notice.pk, worker="test")
    replied, *silent = Notice.objects.filter(campaign=campaign).order_by("pk")
    Response.objects.create(
        notice=replied, company=replied.company, channel="email", received_at=timezone.now()
    )
    # Time moves to the reminders' due day.
    FollowUp.objects.update(due_at=timezone.now() - timedelta(minutes=1))

    worker_for(concurrency=2)
    beats = [Beat(schedule_file=str(tmp_path / f"beat-{i}")).start() for i in (1, 2)]
    try:
        reminders = Notice.objects.filter(campaign=campaign, ladder_step__isnull=False)
        assert wait_for(
            lambda: (
                set(reminders.values_list("status", flat=True)) == {"sent"}
                and reminders.count() == 3
            ),
            120,
        ), _statuses(campaign=campaign)
        wait_for(lambda: False, 5)  # both beats keep ticking: nothing more may happen
    finally:
        for beat in beats:
            beat.stop()

    assert sorted(r.follows_id for r in reminders) == sorted(n.pk for n in silent)
    assert not Notice.objects.filter(follows=replied).exists()
    assert FollowUp.objects.get(notice=replied).status == FollowUp.Status.CANCELLED
    assert len(smtp_server.handler.received) == 4 + 3
    _assert_each_sent_once(smtp_server, list(reminders))
