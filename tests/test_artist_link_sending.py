"""Staff send an artist's private link: Legal and Paralegal only, e-mailed after commit, the
token kept only as its hash, withdrawn when the mail server refuses it or staff withdraw it."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.preference_factories import artist_with_works, make_link
from warnings_app.models import AuditEvent, PreferenceLink
from warnings_app.services.artist_link_parts import token_sha256
from warnings_app.services.artist_links import LinkNotSent, preference_link_create
from warnings_app.services.errors import ServiceError

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _choose(artist, token):
    return reverse("artist_choice", args=[artist.pk, token])


def _stored_text(model) -> str:
    """Every column of every row of the model's table, as the database returns it, read with
    plain SQL: nothing the model leaves out or converts can hide a value."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (a table name from the model)
        rows = cursor.fetchall()
    return "\n".join(" ".join(_as_text(value) for value in row) for row in rows)


def _as_text(value) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    return value if isinstance(value, str) else json.dumps(value, default=str)


@pytest.mark.parametrize("role", ["Paralegal", "Legal"])
def test_paralegals_and_lawyers_send_a_link_that_is_emailed_after_commit(
    client_as, role, django_capture_on_commit_callbacks
):
    artist, _works = artist_with_works()
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
    events = AuditEvent.objects.filter(target_type="warnings_app.preferencelink", target_id=link.pk)
    assert list(events.values_list("verb", flat=True)) == [
        "preference_link.created",
        "preference_link.sent",
    ]


def test_a_paralegal_sends_a_link_only_to_an_address_on_record(
    client_as, django_capture_on_commit_callbacks
):
    artist, _works = artist_with_works()
    artist.manager_email = "desk@mgmt.example"
    artist.save()
    client = client_as("Paralegal")
    audit_before = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            reverse("preference_link_create", args=[artist.pk]),
            {"recipient_email": "me@paralegal.example", "valid_days": 7},
        )

    [text] = _messages(refused)
    assert "only to the artist's address (mara@artists.example)" in text
    assert "or their manager's (desk@mgmt.example)" in text
    assert not PreferenceLink.objects.exists()
    assert AuditEvent.objects.count() == audit_before
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("preference_link_create", args=[artist.pk]),
            {"recipient_email": "Desk@MGMT.example", "valid_days": 7},
        )
    assert [m.to for m in mail.outbox] == [["Desk@MGMT.example"]]


def test_a_lawyer_may_send_a_link_to_another_address_and_the_audit_names_it(
    client_as, django_capture_on_commit_callbacks
):
    artist, _works = artist_with_works()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("Legal").post(
            reverse("preference_link_create", args=[artist.pk]),
            {"recipient_email": "new-inbox@quill.example", "valid_days": 7},
        )

    link = PreferenceLink.objects.get()
    assert _messages(response)[0].startswith("Link sent to new-inbox@quill.example")
    assert [m.to for m in mail.outbox] == [["new-inbox@quill.example"]]
    created = AuditEvent.objects.get(verb="preference_link.created", target_id=str(link.pk))
    assert created.data["recipient"] == "new-inbox@quill.example"
    assert created.data["recipient_on_record"] is False


def test_a_manager_cannot_send_or_withdraw_a_link_and_nothing_changes(client_as):
    artist, _works = artist_with_works()
    link, _token = make_link(artist)
    client = client_as("Manager")

    created = client.post(
        reverse("preference_link_create", args=[artist.pk]),
        {"recipient_email": "mara@artists.example", "valid_days": 7},
    )
    revoked = client.post(reverse("preference_link_revoke", args=[link.pk]), {"confirm": "yes"})

    assert created.status_code == 403
    assert revoked.status_code == 403
    assert PreferenceLink.objects.count() == 1
    link.refresh_from_db()
    assert link.state() == "open"
    assert mail.outbox == []


def test_a_bad_link_form_creates_nothing_and_names_the_problems(
    client_as, django_capture_on_commit_callbacks
):
    artist, _works = artist_with_works()

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
    artist, _works = artist_with_works()

    for days in (0, 61):
        with pytest.raises(ServiceError, match="1 to 60 days"):
            preference_link_create(
                artist=artist, recipient_email="a@b.example", days=days, by=UserFactory()
            )

    assert not PreferenceLink.objects.exists()


def test_the_token_is_stored_only_as_its_hash(django_capture_on_commit_callbacks):
    artist, _works = artist_with_works()
    staff = UserFactory(role="Paralegal")

    with django_capture_on_commit_callbacks(execute=True):
        _link, token = preference_link_create(
            artist=artist, recipient_email="mara@artists.example", by=staff
        )

    row, audit = _stored_text(PreferenceLink), _stored_text(AuditEvent)
    assert token not in row
    assert token_sha256(token) in row
    assert token not in audit
    assert "preference_link.created" in audit
    assert token in mail.outbox[0].body  # only the e-mail carries it


def test_a_link_the_mail_server_refuses_is_withdrawn_and_staff_are_told(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.handler.script = ["550"]
    artist, _works = artist_with_works()
    staff = UserFactory(role="Paralegal")

    with (
        pytest.raises(LinkNotSent, match=r"could not be sent.*withdrawn"),
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
    artist, works = artist_with_works()
    link, token = make_link(artist)
    client = client_as("Paralegal")

    client.post(reverse("preference_link_revoke", args=[link.pk]), {"confirm": "yes"})
    again = client.post(reverse("preference_link_revoke", args=[link.pk]), {"confirm": "yes"})
    page = Client().get(_choose(artist, token))

    assert _messages(again)[-1] == f"Link {link.pk} is revoked, so it cannot be withdrawn."
    assert page.status_code == 410
    assert "withdrawn by the label; ask the label for a new one" in page.content.decode()
    assert works[0].title not in page.content.decode()


# --- the public pages -----------------------------------------------------------------------


def test_withdrawing_a_link_asks_first_and_states_the_consequence(client_as):
    artist, _works = artist_with_works()
    link, _token = make_link(artist)
    client = client_as("Legal")
    revoke = reverse("preference_link_revoke", args=[link.pk])

    detail = client.get(reverse("artist_detail", args=[artist.pk])).content.decode()
    page = client.get(revoke)
    unconfirmed = client.post(revoke)

    assert f'href="{revoke}"' in detail  # a link to the question, not a button that acts
    html = page.content.decode()
    assert page.status_code == 200
    assert link.recipient_email in html
    assert "it stops working at once" in html
    assert "preferences already recorded stay exactly as they are" in html
    assert "it cannot be reopened" in html
    assert '<input type="hidden" name="confirm" value="yes">' in html
    assert unconfirmed.status_code == 302
    assert unconfirmed.url == revoke
    assert _messages(unconfirmed) == [
        "Nothing was changed: confirm on this page to withdraw the link."
    ]
    link.refresh_from_db()
    assert link.state() == "open"
    assert not AuditEvent.objects.filter(verb="preference_link.revoked").exists()

    done = client.post(revoke, {"confirm": "yes"})

    link.refresh_from_db()
    assert link.state() == "revoked"
    assert done.url == reverse("artist_detail", args=[artist.pk])
    gone = client.get(revoke)
    assert gone.url == reverse("artist_detail", args=[artist.pk])
    assert _messages(gone)[-1] == f"Link {link.pk} is revoked, so it cannot be withdrawn."


def test_only_staff_who_may_withdraw_see_the_question(client_as):
    artist, _works = artist_with_works()
    link, _token = make_link(artist)

    response = client_as("Manager").get(reverse("preference_link_revoke", args=[link.pk]))

    assert response.status_code == 403
