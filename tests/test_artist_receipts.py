"""The receipt of an artist's confirmation: e-mailed once with the choice, the time and the
record's hash; retried on a temporary SMTP failure, recorded on a refusal, and queued again
when it was never queued (the broker was down at confirmation)."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.preference_factories import artist_with_works, confirm_through_link, make_link
from warnings_app.domain.preferences import Choice
from warnings_app.models import AuditEvent, PreferenceStatement
from warnings_app.selectors.preference_register import record_sha256
from warnings_app.services import artist_links
from warnings_app.services.artist_link_parts import ReceiptDeferred
from warnings_app.services.artist_links import preference_link_confirm, preference_receipt_send
from warnings_app.tasks import send_preference_receipt_task

pytestmark = pytest.mark.django_db


def test_the_receipt_reaches_the_smtp_server_with_the_record_hash_once(smtp_server):
    artist, works = artist_with_works()
    _link, token = make_link(artist)
    statement = confirm_through_link(artist, works, token)

    first = send_preference_receipt_task(statement.pk)
    second = send_preference_receipt_task(statement.pk)

    stored = PreferenceStatement.objects.get(pk=statement.pk)
    assert (first, second) == ("sent", "already sent")
    [received] = smtp_server.handler.received
    assert sorted(received.recipients) == ["mara@artists.example", "mq@x.example"]
    message = received.message
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    assert record_sha256(stored) == stored.record_sha256
    assert f"Record SHA-256: {stored.record_sha256}" in body
    assert f"Confirmation document SHA-256: {stored.instruction_sha256}" in body
    assert "All recordings: Licensable on terms" in body
    assert f"{works[0].title} ({works[0].isrc}): Reserved (no AI training)" in body
    assert re.search(r"Confirmed at: \d+ \w+ \d{4}, \d\d:\d\d \w+ \(Europe/London\)", body)
    [attached] = [p for p in message.walk() if p.get_filename() == "artist-confirmation.txt"]
    document = attached.get_payload(decode=True)
    assert hashlib.sha256(document).hexdigest() == stored.instruction_sha256
    assert b"Preference for all works: Licensable on terms" in document
    assert b"Confirmed by: Mara Q" in document


def test_a_temporary_smtp_failure_defers_the_receipt_and_a_refusal_is_recorded(smtp_server):
    artist, works = artist_with_works()
    _link, token = make_link(artist)
    statement = confirm_through_link(artist, works, token)
    smtp_server.handler.script = ["451", "550"]

    with pytest.raises(ReceiptDeferred):
        preference_receipt_send(statement_id=statement.pk)
    refused = preference_receipt_send(statement_id=statement.pk)
    later = preference_receipt_send(statement_id=statement.pk)

    assert refused == "failed"
    assert AuditEvent.objects.filter(verb="preference.receipt_failed").count() == 1
    assert later == "sent"  # a later run (e.g. by hand) still sends it
    assert len(smtp_server.handler.received) == 1


# Celery closes the database connection after each task run: only a transactional test survives.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_receipt_task_retries_a_temporary_failure_and_sends_once(smtp_server):
    artist, works = artist_with_works()
    _link, token = make_link(artist)
    statement = confirm_through_link(artist, works, token)
    smtp_server.handler.script = ["451"]

    result = send_preference_receipt_task.apply(args=[statement.pk])  # in-process, with retries

    assert result.get() == "sent"
    assert smtp_server.handler.data_commands == 2
    assert len(smtp_server.handler.received) == 1
    assert AuditEvent.objects.filter(verb="preference.receipt_sent").count() == 1


def test_receipts_never_queued_are_found_and_sent_once(monkeypatch):
    artist, _works = artist_with_works()
    confirmations = []
    for name in ("old", "handled", "recent"):
        _link, token = make_link(artist)
        choice = Choice("reserved", "", {}, f"Mara {name}", "mara@artists.example")
        confirmations.append(
            preference_link_confirm(artist_pk=artist.pk, token=token, choice=choice)
        )
    old, handled, _recent = confirmations
    three_hours_ago = timezone.now() - timedelta(hours=3)
    PreferenceStatement.objects.filter(pk__in=[old.pk, handled.pk]).update(
        created_at=three_hours_ago
    )
    preference_receipt_send(statement_id=handled.pk)
    mail.outbox.clear()
    # What the worker would run for each queued message (the task's body), in this process.
    monkeypatch.setattr(
        send_preference_receipt_task, "delay", lambda pk: preference_receipt_send(statement_id=pk)
    )

    first = artist_links.receipts_requeue()
    second = artist_links.receipts_requeue()

    assert first == [old.pk]
    assert second == []
    assert len(mail.outbox) == 1
    assert old.record_sha256 in mail.outbox[0].body
