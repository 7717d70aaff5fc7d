"""The artist's private link: staff send it, the artist opens it without an account, chooses and
confirms once. Refused for another artist, after use, after withdrawal and after expiry, always
without showing the artist's data. The token is never stored; the receipt's hash is the record's."""

import hashlib
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.preference_factories import ArtistFactory, make_link, make_statement, works_of
from warnings_app.models import AuditEvent, Preference, PreferenceLink, PreferenceStatement
from warnings_app.preferences.links import Choice, ReceiptDeferred, token_sha256
from warnings_app.preferences.register import record_sha256
from warnings_app.services import artist_links
from warnings_app.services.artist_links import (
    LinkNotSent,
    LinkRefused,
    preference_link_confirm,
    preference_link_create,
    preference_receipt_send,
)
from warnings_app.services.errors import ServiceError
from warnings_app.tasks import send_preference_receipt_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def travel(monkeypatch):
    """Moves django.utils.timezone.now forward."""
    real_now = timezone.now
    shift = {"by": timedelta(0)}
    monkeypatch.setattr(timezone, "now", lambda: real_now() + shift["by"])

    def to(delta: timedelta) -> None:
        shift["by"] = delta

    return to


def _artist_with_works(name="Mara Quill", count=2):
    artist = ArtistFactory(name=name, email=f"{name.split()[0].lower()}@artists.example")
    return artist, works_of(artist, count)


def _answer(works, *, preference="licensable", contact="deals@quill.example", **changes):
    data = {
        "preference": preference,
        "licensing_contact": contact,
        "name": "Mara Quill",
        "email": "mara@artists.example",
        **{f"work_{w.pk}": "same" for w in works},
    }
    data.update(changes)
    return data


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _choose(artist, token):
    return reverse("artist_choice", args=[artist.pk, token])


def _confirm(artist, token):
    return reverse("artist_choice_confirm", args=[artist.pk, token])


# --- staff send links --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Paralegal", "Legal"])
def test_paralegals_and_lawyers_send_a_link_that_is_emailed_after_commit(
    client_as, role, django_capture_on_commit_callbacks
):
    artist, _works = _artist_with_works()
    client = client_as(role)

    with django_capture_on_commit_callbacks(execute=False) as pending:
        response = client.post(
            reverse("preference_link_create", args=[artist.pk]),
            {"recipient_name": "Mara", "recipient_email": "mara@artists.example", "valid_days": 7},
        )
    outbox_before_commit = len(mail.outbox)
    for callback in pending:
        callback()

    link = PreferenceLink.objects.get(artist=artist)
    assert outbox_before_commit == 0
    [message] = mail.outbox
    assert message.to == ["mara@artists.example"]
    token = re.search(r"/choose/\d+/([A-Za-z0-9_-]+)/", message.body).group(1)
    assert token_sha256(token) == link.token_sha256
    assert "it works for one confirmation, until" in message.body
    assert (link.expires_at - link.created_at) == timedelta(days=7)
    assert response["Location"] == reverse("artist_detail", args=[artist.pk])
    assert _messages(response)[0].startswith("Link sent to mara@artists.example, open until ")
    verbs = list(AuditEvent.objects.filter(target_id=str(link.pk)).values_list("verb", flat=True))
    assert verbs == ["preference_link.created", "preference_link.sent"]


def test_a_manager_cannot_send_or_withdraw_a_link_and_nothing_changes(client_as):
    artist, _works = _artist_with_works()
    link, _token = make_link(artist)
    client = client_as("Manager")

    created = client.post(
        reverse("preference_link_create", args=[artist.pk]),
        {"recipient_email": "mara@artists.example", "valid_days": 7},
    )
    revoked = client.post(reverse("preference_link_revoke", args=[link.pk]))

    assert created.status_code == 403
    assert revoked.status_code == 403
    assert PreferenceLink.objects.count() == 1
    link.refresh_from_db()
    assert link.state() == "open"
    assert mail.outbox == []


def test_a_bad_link_form_creates_nothing_and_names_the_problems(
    client_as, django_capture_on_commit_callbacks
):
    artist, _works = _artist_with_works()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("Paralegal").post(
            reverse("preference_link_create", args=[artist.pk]),
            {"recipient_email": "not-an-address", "valid_days": 99},
        )

    [text] = _messages(response)
    assert text.startswith("No link was sent.")
    assert "Recipient's e-mail: Enter a valid email address." in text
    assert "Open for (days): Ensure this value is less than or equal to 60." in text
    assert not PreferenceLink.objects.exists()
    assert mail.outbox == []


def test_the_service_refuses_links_open_for_less_than_one_or_more_than_60_days():
    artist, _works = _artist_with_works()

    for days in (0, 61):
        with pytest.raises(ServiceError, match="1 to 60 days"):
            preference_link_create(
                artist=artist, recipient_email="a@b.example", days=days, by=UserFactory()
            )

    assert not PreferenceLink.objects.exists()


def test_the_token_is_stored_only_as_its_hash(django_capture_on_commit_callbacks):
    artist, _works = _artist_with_works()
    staff = UserFactory(role="Paralegal")

    with django_capture_on_commit_callbacks(execute=True):
        link, token = preference_link_create(
            artist=artist, recipient_email="mara@artists.example", by=staff
        )

    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(l)::text FROM warnings_app_preferencelink l")
        [row] = [r[0] for r in cursor.fetchall()]
        cursor.execute(
            "SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') "
            "FROM warnings_app_auditevent a"
        )
        audit = cursor.fetchone()[0]
    assert token not in row
    assert token_sha256(token) in row
    assert token not in audit
    assert "preference_link.created" in audit
    assert token in mail.outbox[0].body  # only the e-mail carries it


def test_a_link_the_mail_server_refuses_is_withdrawn_and_staff_are_told(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.handler.script = ["550"]
    artist, _works = _artist_with_works()
    staff = UserFactory(role="Paralegal")

    with (
        pytest.raises(LinkNotSent, match="could not be sent.*withdrawn"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        preference_link_create(artist=artist, recipient_email="mara@artists.example", by=staff)

    link = PreferenceLink.objects.get()
    assert link.state() == "revoked"
    assert link.revoked_by == staff
    assert AuditEvent.objects.filter(
        verb="preference_link.revoked", target_id=str(link.pk)
    ).exists()


def test_staff_withdraw_an_open_link_and_it_no_longer_opens(client_as):
    artist, works = _artist_with_works()
    link, token = make_link(artist)
    client = client_as("Paralegal")

    client.post(reverse("preference_link_revoke", args=[link.pk]))
    again = client.post(reverse("preference_link_revoke", args=[link.pk]))
    page = Client().get(_choose(artist, token))

    assert _messages(again)[-1] == f"Link {link.pk} is revoked, so it cannot be withdrawn."
    assert page.status_code == 410
    assert "withdrawn by the label; ask the label for a new one" in page.content.decode()
    assert works[0].title not in page.content.decode()


# --- the public pages -----------------------------------------------------------------------


def test_the_link_opens_without_an_account_showing_the_artists_works_and_current_preference():
    artist, works = _artist_with_works()
    make_statement(artist, Preference.RESERVED)
    _link, token = make_link(artist, recipient_name="Mara Quill")

    response = Client().get(_choose(artist, token))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Mara Quill: your AI-training preference" in text
    for work in works:
        assert f"<td>{work.title}</td>" in text
        assert f"<td>{work.isrc}</td>" in text
    assert "Reserved (no AI training)" in text
    assert 'value="mara@artists.example"' in text
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["Referrer-Policy"] == "same-origin"


def test_another_artists_id_in_the_address_is_refused_without_either_artists_data():
    mara, mara_works = _artist_with_works("Mara Quill")
    other, other_works = _artist_with_works("Otto Reed")
    _link, token = make_link(mara)

    responses = [
        Client().get(_choose(other, token)),
        Client().post(_confirm(other, token), _answer(other_works)),
    ]

    for response in responses:
        text = response.content.decode()
        assert response.status_code == 404
        assert "This link is not valid for this page." in text
        for name in ("Mara Quill", "Otto Reed", *[w.title for w in mara_works + other_works]):
            assert name not in text
    assert not PreferenceStatement.objects.exists()


def test_an_unknown_token_is_refused():
    artist, _works = _artist_with_works()
    make_link(artist)

    response = Client().get(_choose(artist, "made-up-token"))

    assert response.status_code == 404
    assert "not valid for this page" in response.content.decode()


def test_a_link_works_once_and_a_second_confirm_records_nothing(django_capture_on_commit_callbacks):
    artist, works = _artist_with_works()
    link, token = make_link(artist)
    client = Client()
    answer = _answer(works, **{f"work_{works[0].pk}": "reserved"})

    review = client.post(_choose(artist, token), answer)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        done = client.post(_confirm(artist, token), answer)
    second = client.post(_confirm(artist, token), answer)
    reopened = client.get(_choose(artist, token))

    statement = PreferenceStatement.objects.get()
    assert "This is exactly what will be recorded" in review.content.decode()
    assert (
        f"{works[0].title} ({works[0].isrc}): Reserved (no AI training)" in review.content.decode()
    )
    assert done.status_code == 200
    assert statement.record_sha256 in done.content.decode()
    assert statement.preference == "licensable"
    assert statement.licensing_contact == "deals@quill.example"
    assert statement.confirmed_by == "Mara Quill <mara@artists.example>"
    assert statement.link == link
    assert {c.work_id: c.preference for c in statement.work_choices.all()} == {
        works[0].pk: "reserved"
    }
    assert any(getattr(cb, "func", None) is artist_links._queue_receipt for cb in pending)
    for refused in (second, reopened):
        assert refused.status_code == 410
        assert "This link has already been used on" in refused.content.decode()
        assert works[1].title not in refused.content.decode()
    assert AuditEvent.objects.filter(verb="preference_link.used").count() == 1


def test_a_posted_work_of_another_artist_is_refused_and_the_link_stays_unused():
    artist, works = _artist_with_works("Mara Quill")
    _other, other_works = _artist_with_works("Otto Reed")
    link, token = make_link(artist)
    answer = _answer(works, **{f"work_{other_works[0].pk}": "reserved"})

    review = Client().post(_choose(artist, token), answer)
    confirm = Client().post(_confirm(artist, token), answer)

    for response in (review, confirm):
        assert response.status_code == 400
        assert (
            f"Work {other_works[0].pk} is not one of Mara Quill&#x27;s recordings. "
            "Nothing was recorded." in response.content.decode()
        )
    link.refresh_from_db()
    assert link.used_at is None
    assert not PreferenceStatement.objects.exists()


def test_licensable_without_a_contact_is_refused_and_nothing_is_recorded():
    artist, works = _artist_with_works()
    link, token = make_link(artist)

    response = Client().post(
        _confirm(artist, token),
        _answer(works, preference="reserved", contact="", **{f"work_{works[1].pk}": "licensable"}),
    )

    assert response.status_code == 400
    assert "Licensable on terms needs a contact" in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is None
    assert not PreferenceStatement.objects.exists()


def test_a_failure_while_recording_leaves_the_link_unused_and_nothing_recorded(monkeypatch):
    artist, works = _artist_with_works()
    link, token = make_link(artist)

    def broken(**_kwargs):
        raise RuntimeError("the database went away mid-way")

    monkeypatch.setattr("warnings_app.services.preferences.reservations_publish", broken)
    choice = Choice("reserved", "", {}, "Mara Quill", "mara@artists.example")
    with pytest.raises(RuntimeError):
        preference_link_confirm(artist_pk=artist.pk, token=token, choice=choice)

    link.refresh_from_db()
    assert link.used_at is None
    assert not PreferenceStatement.objects.exists()
    assert not AuditEvent.objects.filter(verb="preference_link.used").exists()


def test_a_failure_after_the_statement_is_written_leaves_no_instruction_file(monkeypatch, settings):
    artist, _works = _artist_with_works()
    link, token = make_link(artist)
    real_audit = artist_links.audit_record

    def broken(**fields):
        if fields["verb"] == "preference_link.used":
            raise RuntimeError("the audit log went away")
        return real_audit(**fields)

    monkeypatch.setattr(artist_links, "audit_record", broken)
    choice = Choice("reserved", "", {}, "Mara Quill", "mara@artists.example")
    files_before = _stored_files(settings)
    with pytest.raises(RuntimeError):
        preference_link_confirm(artist_pk=artist.pk, token=token, choice=choice)

    link.refresh_from_db()
    assert link.used_at is None
    assert not PreferenceStatement.objects.exists()
    assert _stored_files(settings) == files_before


def _stored_files(settings) -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def test_a_work_title_that_looks_like_markup_does_not_stop_the_artist_confirming():
    artist, works = _artist_with_works()
    works[0].title = "Live at <head> Hall <script>"
    works[0].save()
    _link, token = make_link(artist)
    choice = Choice(
        "licensable",
        "deals@quill.example",
        {works[0].pk: "reserved"},
        "Mara Quill",
        "mara@artists.example",
    )

    statement = preference_link_confirm(
        artist_pk=artist.pk, token=token, choice=choice, user_agent="<html><body>"
    )

    assert statement.instruction_content_type.startswith("text/plain")
    assert statement.work_choices.get().work == works[0]


def test_a_link_is_refused_once_the_clock_passes_its_expiry(travel):
    artist, works = _artist_with_works()
    _link, token = make_link(artist, days=14)
    travel(timedelta(days=14, minutes=1))

    page = Client().get(_choose(artist, token))
    confirm = Client().post(_confirm(artist, token), _answer(works))

    for response in (page, confirm):
        assert response.status_code == 410
        assert "This link expired on" in response.content.decode()
        assert works[0].title not in response.content.decode()
    assert not PreferenceStatement.objects.exists()


def test_a_link_created_already_expired_is_refused():
    artist, _works = _artist_with_works()
    _link, token = make_link(artist, expires_at=timezone.now() - timedelta(seconds=1))

    response = Client().get(_choose(artist, token))

    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_the_public_form_is_csrf_protected():
    artist, works = _artist_with_works()
    link, token = make_link(artist)

    response = Client(enforce_csrf_checks=True).post(_confirm(artist, token), _answer(works))

    assert response.status_code == 403
    link.refresh_from_db()
    assert link.used_at is None


# --- the receipt ------------------------------------------------------------------------------


def _confirmed(artist, works, token) -> PreferenceStatement:
    choice = Choice(
        "licensable", "deals@quill.example", {works[0].pk: "reserved"}, "Mara Q", "mq@x.example"
    )
    return preference_link_confirm(artist_pk=artist.pk, token=token, choice=choice)


def test_the_receipt_reaches_the_smtp_server_with_the_record_hash_once(smtp_server):
    artist, works = _artist_with_works()
    _link, token = make_link(artist)
    statement = _confirmed(artist, works, token)

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
    artist, works = _artist_with_works()
    _link, token = make_link(artist)
    statement = _confirmed(artist, works, token)
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
    artist, works = _artist_with_works()
    _link, token = make_link(artist)
    statement = _confirmed(artist, works, token)
    smtp_server.handler.script = ["451"]

    result = send_preference_receipt_task.apply(args=[statement.pk])  # in-process, with retries

    assert result.get() == "sent"
    assert smtp_server.handler.data_commands == 2
    assert len(smtp_server.handler.received) == 1
    assert AuditEvent.objects.filter(verb="preference.receipt_sent").count() == 1


# --- two confirmations at once ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_confirmations_at_once_record_one_statement(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    queued = []
    monkeypatch.setattr(artist_links, "_queue_receipt", queued.append)  # no broker needed
    artist, works = _artist_with_works()
    link, token = make_link(artist)
    start, outcomes = threading.Barrier(2), []

    def confirm():
        start.wait()
        try:
            _confirmed(artist, works, token)
            outcomes.append("recorded")
        except LinkRefused as refusal:
            outcomes.append(str(refusal))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes)[1] == "recorded"
    assert "already been used" in sorted(outcomes)[0]
    assert PreferenceStatement.objects.filter(link=link).count() == 1
    assert len(queued) == 1


def test_receipts_never_queued_are_found_and_sent_once(monkeypatch):
    artist, _works = _artist_with_works()
    confirmations = []
    for name in ("old", "handled", "recent"):
        _link, token = make_link(artist)
        choice = Choice("reserved", "", {}, f"Mara {name}", "mara@artists.example")
        confirmations.append(
            preference_link_confirm(artist_pk=artist.pk, token=token, choice=choice)
        )
    old, handled, recent = confirmations
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


def test_the_artist_is_told_of_a_change_the_label_already_scheduled():
    artist, works = _artist_with_works()
    make_statement(artist, "reserved", effective_from=timezone.localdate() + timedelta(days=5))
    _link, token = make_link(artist)

    page = Client().get(_choose(artist, token)).content.decode()

    assert "The label has already recorded a change to “Reserved (no AI training)”" in page
