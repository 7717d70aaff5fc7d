import hashlib
from datetime import timedelta
from email.utils import parseaddr

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tests.factories import UserFactory
from tests.letters_helpers import notice_with_schedule
from warnings_app import services
from warnings_app.domain.mail_tokens import AddressToken, read_detail
from warnings_app.models import DeliveryAttempt, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.delivery.queue import notice_queue
from warnings_app.services.delivery.send import (
    LeaseLost,
    _finish_or_lost,
    _mark_content,
    notice_deliver,
)
from warnings_app.services.delivery.sweep import notices_sweep
from warnings_app.services.rendering import stored_pdf_bytes

pytestmark = pytest.mark.django_db


def _approved_notice(**kwargs):
    notice = notice_with_schedule(**kwargs)
    notice = services.notice_render(notice=notice, by=notice.created_by)
    return services.notice_approve(notice=notice, by=UserFactory(role="Legal"))


def _queued_notice(**kwargs):
    return notice_queue(notice=_approved_notice(**kwargs), by=None)


def test_a_delivered_email_carries_the_stored_pdf_reply_to_and_message_id(smtp_server):
    notice = _queued_notice()

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")

    notice.refresh_from_db()
    assert outcome == "sent"
    assert notice.status == NoticeStatus.SENT
    [received] = smtp_server.handler.received
    message = received.message
    assert received.recipients == [notice.merge_data["recipient"]["email"]]
    assert message["Message-ID"] == f"<{notice.reference}.{notice.pk}@notices.localhost>"
    attempt = notice.deliveries.get()
    # Replies come back to a keyed address for this notice, bounces to one for this attempt:
    # the From stays ours, the envelope sender is the attempt's bounce address.
    reply_local = message["Reply-To"].partition("@")[0]
    assert reply_local.startswith(f"notices+{notice.reference.lower()}-")
    assert read_detail(reply_local.partition("+")[2]) == AddressToken(
        reference=notice.reference, valid=True
    )
    assert message["Reply-To"] == attempt.reply_to
    assert received.sender == attempt.return_path
    assert read_detail(received.sender.partition("+")[2].partition("@")[0]) == AddressToken(
        attempt_id=attempt.pk, valid=True
    )
    # The organisation's name over DEFAULT_FROM_EMAIL's address (branding, issue 18).
    assert parseaddr(message["From"]) == (
        settings.ORGANISATION_NAME,
        parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
    )
    assert notice.reference in message["Subject"]
    [pdf] = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    content = pdf.get_payload(decode=True)
    assert hashlib.sha256(content).hexdigest() == notice.pdf_sha256
    assert content == stored_pdf_bytes(notice)
    assert attempt.outcome == DeliveryAttempt.Outcome.ACCEPTED
    assert attempt.server_reply.startswith("250")


def test_delivering_twice_sends_once(smtp_server):
    notice = _queued_notice()

    first = notice_deliver(notice_id=notice.pk, worker="w1")
    second = notice_deliver(notice_id=notice.pk, worker="w2")

    assert (first, second) == ("sent", "skipped")
    assert len(smtp_server.handler.received) == 1


def test_consecutive_letters_share_one_smtp_session(smtp_server):
    notices = [_queued_notice() for _ in range(3)]

    outcomes = [notice_deliver(notice_id=n.pk, worker="w1") for n in notices]

    assert outcomes == ["sent", "sent", "sent"]
    assert len(smtp_server.handler.received) == 3
    assert smtp_server.handler.sessions == 1


def test_a_session_the_server_closed_while_idle_is_replaced_without_delaying_the_letter(
    smtp_server,
):
    first, second = _queued_notice(), _queued_notice()
    notice_deliver(notice_id=first.pk, worker="w1")
    smtp_server.hang_up_all()

    outcome = notice_deliver(notice_id=second.pk, worker="w1")

    assert outcome == "sent"
    assert second.deliveries.count() == 1
    assert smtp_server.handler.sessions == 2


def test_a_session_whose_conversation_failed_is_not_reused(smtp_server):
    smtp_server.handler.script = ["550"]
    refused, accepted = _queued_notice(), _queued_notice()

    outcomes = [notice_deliver(notice_id=n.pk, worker="w1") for n in (refused, accepted)]

    assert outcomes == ["failed", "sent"]
    assert smtp_server.handler.sessions == 2


def test_451_twice_then_250_sends_one_message_after_three_attempts(smtp_server):
    smtp_server.handler.script = ["451", "451", "250"]
    notice = _queued_notice()

    outcomes = []
    for _ in range(3):
        outcomes.append(notice_deliver(notice_id=notice.pk, worker="w1"))
        Notice.objects.filter(pk=notice.pk).update(next_attempt_at=None)  # backoff has passed

    notice.refresh_from_db()
    assert outcomes == ["retry", "retry", "sent"]
    assert len(smtp_server.handler.received) == 1
    attempts = list(notice.deliveries.order_by("pk").values_list("outcome", "server_reply"))
    assert [o for o, _ in attempts] == ["failed", "failed", "accepted"]
    assert attempts[0][1].startswith("451")


def test_a_transient_failure_backs_off_before_the_next_attempt(smtp_server):
    smtp_server.handler.script = ["451"]
    notice = _queued_notice()

    notice_deliver(notice_id=notice.pk, worker="w1")
    too_early = notice_deliver(notice_id=notice.pk, worker="w1")

    notice.refresh_from_db()
    assert too_early == "skipped"
    assert notice.next_attempt_at > timezone.now() + timedelta(seconds=10)


def test_550_fails_at_once_with_the_servers_reply(smtp_server):
    smtp_server.handler.script = ["550"]
    notice = _queued_notice()

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")
    again = notice_deliver(notice_id=notice.pk, worker="w1")

    notice.refresh_from_db()
    assert (outcome, again) == ("failed", "skipped")
    assert notice.status == NoticeStatus.FAILED
    assert notice.deliveries.get().server_reply.startswith("550 5.1.1 Mailbox unavailable")
    assert smtp_server.handler.data_commands == 1


def test_a_connection_dropped_after_the_data_needs_reconciliation_and_is_not_resent(smtp_server):
    smtp_server.handler.script = ["drop"]
    notice = _queued_notice()

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")
    notices_sweep(now=timezone.now() + timedelta(hours=1))
    again = notice_deliver(notice_id=notice.pk, worker="w1")

    notice.refresh_from_db()
    assert (outcome, again) == ("unknown", "skipped")
    assert notice.status == NoticeStatus.NEEDS_RECONCILIATION
    assert notice.deliveries.get().outcome == DeliveryAttempt.Outcome.UNKNOWN
    assert len(smtp_server.handler.received) == 1


def test_no_server_at_all_is_transient(settings, smtp_server):
    notice = _queued_notice()
    settings.EMAIL_PORT = 1  # nothing listens there

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")

    assert outcome == "retry"
    assert "before the message was handed over" in notice.deliveries.get().server_reply


def test_a_tampered_pdf_is_never_sent(smtp_server):
    notice = _queued_notice()
    default_storage.delete(notice.pdf.name)
    default_storage.save(notice.pdf.name, ContentFile(b"%PDF-1.7 forged"))

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")

    assert outcome == "failed"
    assert smtp_server.handler.received == []
    assert "altered since it was rendered" in notice.deliveries.get().server_reply


def test_presend_checks_block_a_company_on_hold_or_without_an_address():
    notice = _approved_notice()
    notice.company.hold_automation = True
    notice.company.hold_reason = "settlement talks"
    notice.company.save()

    with pytest.raises(services.ServiceError, match="on hold \\(settlement talks\\)"):
        notice_queue(notice=notice, by=None)

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.APPROVED


def test_a_rolled_back_queueing_never_publishes(django_capture_on_commit_callbacks):
    notice = _approved_notice()

    def queue_then_fail():
        with transaction.atomic():
            notice_queue(notice=notice, by=None)
            raise RuntimeError("the request failed after queueing")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        queue_then_fail()

    notice.refresh_from_db()
    assert callbacks == []
    assert notice.status == NoticeStatus.APPROVED


def test_a_committed_queueing_publishes_after_commit(django_capture_on_commit_callbacks):
    notice = _approved_notice()

    with django_capture_on_commit_callbacks() as callbacks:
        notice_queue(notice=notice, by=None)

    assert len(callbacks) == 1


def test_the_sweeper_recovers_a_worker_that_died_before_handing_over(smtp_server):
    notice = _queued_notice()
    claimed = services.notices.apply_transition(
        notice=notice,
        transition="claim",
        by=None,
        lease_owner="dead",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    DeliveryAttempt.objects.create(
        notice=claimed,
        channel="email",
        phase="envelope",
        idempotency_key="x",
        started_at=timezone.now(),
    )

    result = notices_sweep()
    outcome = notice_deliver(notice_id=notice.pk, worker="w2")

    assert result["recovered"] == 1
    assert outcome == "sent"
    assert len(smtp_server.handler.received) == 1


def test_a_slow_worker_cannot_record_an_outcome_after_its_lease_was_recovered(smtp_server):
    notice = _queued_notice()
    slow = services.notices.apply_transition(
        notice=notice,
        transition="claim",
        by=None,
        lease_owner="slow",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    attempt = DeliveryAttempt.objects.create(
        notice=slow,
        channel="email",
        phase="envelope",
        idempotency_key="x",
        started_at=timezone.now(),
    )

    notices_sweep()
    fast = notice_deliver(notice_id=notice.pk, worker="fast")
    with pytest.raises(LeaseLost):
        _mark_content(attempt, "slow")  # the slow worker is stopped before its content
    late = _finish_or_lost(slow, attempt, "accepted", "250 ok", guard={"lease_owner": "slow"})

    notice.refresh_from_db()
    assert (fast, late) == ("sent", "lease-lost")
    assert notice.status == NoticeStatus.SENT
    assert len(smtp_server.handler.received) == 1
    assert notice.deliveries.filter(outcome="accepted").count() == 1


def test_a_relay_login_problem_is_retried_not_failed(settings, smtp_server):
    notice = _queued_notice()
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "relay-user", "wrong"

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")

    notice.refresh_from_db()
    assert outcome == "retry"
    assert notice.status == NoticeStatus.QUEUED
    assert smtp_server.handler.received == []


def test_an_invalid_recipient_address_fails_with_a_clear_reason(smtp_server):
    notice = _queued_notice()
    data = notice.merge_data
    data["recipient"]["email"] = "legal@@broken"
    Notice.objects.filter(pk=notice.pk).update(merge_data=data)

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")

    assert outcome == "failed"
    assert "is not a valid e-mail address" in notice.deliveries.get().server_reply


def test_the_email_subject_is_the_rendered_subject_as_the_server_receives_it(smtp_server, client):
    from tests.factories import TemplateVersionFactory

    version = TemplateVersionFactory(
        subject="Notice to {{ recipient.legal_name }} & its affiliates", body="Dear Sirs"
    )
    notice = _queued_notice(legal_name="Sonora Machine Audio Ltd", template_version=version)

    notice_deliver(notice_id=notice.pk, worker="w1")

    [received] = smtp_server.handler.received
    expected = f"Notice to Sonora Machine Audio Ltd & its affiliates [{notice.reference}]"
    assert received.message["Subject"] == expected
    assert "{{" not in received.message["Subject"]
    # The lawyer sees the same subject on the letter's page before it goes.
    client.force_login(UserFactory(role="Legal"))
    page = client.get(f"/notices/{notice.pk}/")
    assert f'data-testid="email-subject">{expected.replace("&", "&amp;")}<' in page.content.decode()


def test_an_email_subject_never_carries_a_line_break_into_the_header():
    from warnings_app.domain.letters.compose import email_subject

    data = {"recipient": {"legal_name": "Evil Ltd\r\nBcc: everyone@evil.example"}}

    subject = email_subject("Re: {{ recipient.legal_name }}", data, reference="WN-2026-000001")

    assert subject == "Re: Evil Ltd Bcc: everyone@evil.example [WN-2026-000001]"


def test_a_retry_after_a_temporary_failure_leaves_when_its_backoff_ends(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.handler.script = ["451"]
    notice = _queued_notice()
    notice_deliver(notice_id=notice.pk, worker="w1")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.QUEUED
    backoff_ends = notice.next_attempt_at
    # The documented first backoff: between 15 and 30 s after the failure.
    waited = (backoff_ends - notice.deliveries.get().finished_at).total_seconds()
    assert 15 <= waited <= 30

    with django_capture_on_commit_callbacks() as before_end:
        early = notices_sweep(now=backoff_ends - timedelta(seconds=1))
    with django_capture_on_commit_callbacks() as after_end:
        due = notices_sweep(now=backoff_ends + timedelta(seconds=1))

    # With the sweep every 30 s, the retry leaves at most backoff + 30 s after the failure
    # (it waited for REPUBLISH_AFTER, 2 minutes, before).
    assert (early["republished"], len(before_end)) == (0, 0)
    assert due["republished"] == 1
    assert len(after_end) == 1


def test_the_failed_deliveries_queue_shows_the_servers_refusal(smtp_server, client):
    from django.urls import reverse

    smtp_server.handler.script = ["550"]
    notice = _queued_notice()
    notice_deliver(notice_id=notice.pk, worker="w1")
    client.force_login(UserFactory(role="Paralegal"))

    page = client.get(reverse("work_queue"), {"section": "failed"})

    html = page.content.decode()
    assert notice.reference in html
    reply = notice.deliveries.get().server_reply
    assert reply.startswith("550")
    assert f'data-testid="server-reply">{reply}' in html
