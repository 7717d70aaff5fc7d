"""What a letter's delivery costs the database, and the attempt limit that the cheaper path
must still honour. Query counts, never the clock: speed is measured by bench/campaign.py."""

import pytest

from tests.factories import UserFactory
from tests.letters_helpers import notice_with_schedule
from warnings_app import services
from warnings_app.models import AuditEvent, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.delivery.queue import notice_queue
from warnings_app.services.delivery.send import notice_deliver

pytestmark = pytest.mark.django_db

# Claim (read, guarded move, its audit event, the attempt with its bounce address), the checks
# as it leaves (one of them whether a licence in force names the company), the content mark,
# the outcome (guarded move, audit event, attempt) and the ladder: 33 on PostgreSQL, where the
# audit chain's lock and ids are statements of their own (29 on SQLite). One more (counting
# earlier attempts on every send) fails this.
QUERIES_PER_LETTER = 33


def _queued_notice() -> Notice:
    notice = notice_with_schedule()
    notice = services.notice_render(notice=notice, by=notice.created_by)
    notice = services.notice_approve(notice=notice, by=UserFactory(role="Legal"))
    return notice_queue(notice=notice, by=None)


def test_sending_a_letter_takes_a_fixed_number_of_queries(
    smtp_server, django_assert_max_num_queries
):
    notice = _queued_notice()

    with django_assert_max_num_queries(QUERIES_PER_LETTER):
        outcome = notice_deliver(notice_id=notice.pk, worker="w1")

    assert outcome == "sent"
    assert len(smtp_server.handler.received) == 1


def test_a_temporary_failure_at_the_attempt_limit_fails_the_letter_for_good(settings, smtp_server):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    smtp_server.handler.script = ["451", "451"]
    notice = _queued_notice()

    first = notice_deliver(notice_id=notice.pk, worker="w1")
    Notice.objects.filter(pk=notice.pk).update(next_attempt_at=None)  # its backoff has passed
    second = notice_deliver(notice_id=notice.pk, worker="w1")

    notice.refresh_from_db()
    assert (first, second) == ("retry", "failed")
    assert notice.status == NoticeStatus.FAILED
    assert notice.deliveries.count() == 2
    event = AuditEvent.objects.get(
        target_type="warnings_app.notice", target_id=str(notice.pk), to_state=NoticeStatus.FAILED
    )
    assert event.data["reply"].startswith("gave up after 2 attempts; last: 451")
