"""The artist's private link, from the artist's side: opened without an account, chosen and
confirmed once. Refused for another artist, after use, after withdrawal and after expiry, always
without showing the artist's data. (Sending links: test_artist_link_sending.py; receipts:
test_artist_receipts.py.)"""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import require_postgres
from tests.preference_factories import (
    artist_with_works,
    confirm_through_link,
    make_link,
    make_statement,
)
from warnings_app.domain.preferences import Choice
from warnings_app.models import AuditEvent, Preference, PreferenceStatement
from warnings_app.services import artist_links
from warnings_app.services.artist_links import (
    LinkRefused,
    preference_link_confirm,
)

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


def test_the_link_opens_without_an_account_showing_the_artists_works_and_current_preference():
    artist, works = artist_with_works()
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
    mara, mara_works = artist_with_works("Mara Quill")
    other, other_works = artist_with_works("Otto Reed")
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
    artist, _works = artist_with_works()
    make_link(artist)

    response = Client().get(_choose(artist, "made-up-token"))

    assert response.status_code == 404
    assert "not valid for this page" in response.content.decode()


def test_a_link_works_once_and_a_second_confirm_records_nothing(django_capture_on_commit_callbacks):
    artist, works = artist_with_works()
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
    artist, works = artist_with_works("Mara Quill")
    _other, other_works = artist_with_works("Otto Reed")
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
    artist, works = artist_with_works()
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
    artist, _works = artist_with_works()
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
    artist, _works = artist_with_works()
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
    artist, works = artist_with_works()
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
    artist, works = artist_with_works()
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
    artist, _works = artist_with_works()
    _link, token = make_link(artist, expires_at=timezone.now() - timedelta(seconds=1))

    response = Client().get(_choose(artist, token))

    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_the_public_form_is_csrf_protected():
    artist, works = artist_with_works()
    link, token = make_link(artist)

    response = Client(enforce_csrf_checks=True).post(_confirm(artist, token), _answer(works))

    assert response.status_code == 403
    link.refresh_from_db()
    assert link.used_at is None


# --- the receipt ------------------------------------------------------------------------------


# --- two confirmations at once ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_confirmations_at_once_record_one_statement(monkeypatch):
    require_postgres("two connections racing for the link's row lock")
    queued = []
    monkeypatch.setattr(artist_links, "_queue_receipt", queued.append)  # no broker needed
    artist, works = artist_with_works()
    link, token = make_link(artist)
    start, outcomes = threading.Barrier(2), []

    def confirm():
        start.wait()
        try:
            confirm_through_link(artist, works, token)
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


def test_the_artist_is_told_of_a_change_the_label_already_scheduled():
    artist, _works = artist_with_works()
    make_statement(artist, "reserved", effective_from=timezone.localdate() + timedelta(days=5))
    _link, token = make_link(artist)

    page = Client().get(_choose(artist, token)).content.decode()

    assert "The label has already recorded a change to “Reserved (no AI training)”" in page
