"""The preference register's pages: one artist's state, works and full history, recording a
statement from an instruction, and the instruction file itself. The list: test_artist_list."""

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, WorkFactory
from tests.preference_factories import make_statement
from warnings_app.domain.preferences import Instruction
from warnings_app.domain.roles import LEGAL, MANAGER, PARALEGAL
from warnings_app.models import AuditEvent, PreferenceLink, PreferenceStatement

pytestmark = pytest.mark.django_db

INSTRUCTION = b"Please reserve all my recordings."
LETTER = Instruction(INSTRUCTION, "instruction.txt")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _table(html: str, testid: str) -> str:
    match = re.search(rf'<table[^>]*data-testid="{testid}".*?</table>', html, re.S)
    assert match, f"no {testid} table"
    return match.group(0)


def _rows(table: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr data-[a-z]+=.*?</tr>", table, re.S)]  # fmt: skip


def _stored_instructions(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def test_the_history_shows_both_statements_newest_first_with_who_and_when(client_as, monkeypatch):
    work = WorkFactory(artist="Ada Lovelace")
    artist = work.artist_profile
    first_by = UserFactory(username="lena", role=LEGAL)
    second_by = UserFactory(username="omar", role=LEGAL)
    _at(monkeypatch, datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    first = make_statement(
        artist, "reserved", by=first_by, effective_from=date(2026, 3, 1), instruction=LETTER
    )
    _at(monkeypatch, datetime(2026, 5, 20, 15, 30, tzinfo=UTC))
    second = make_statement(
        artist,
        "licensable",
        by=second_by,
        effective_from=date(2026, 6, 1),
        licensing_contact="licensing@label.example",
        instruction=Instruction(b"I will license training on terms.", "instruction.txt"),
        work_choices={work.pk: "reserved"},
    )
    monkeypatch.undo()

    html = client_as(MANAGER).get(reverse("artist_detail", args=[artist.pk])).content.decode()

    rows = _rows(_table(html, "history"))
    assert len(rows) == 2
    assert "20 May 2026" in rows[0]
    assert "by omar" in rows[0]
    assert "Licensable on terms" in rows[0]
    assert "1 Jun 2026" in rows[0]
    assert "licensing@label.example" in rows[0]
    assert f"{work.title}: Reserved" in rows[0]
    assert second.instruction_sha256 in rows[0]
    assert second.record_sha256 in rows[0]
    assert "2 Mar 2026" in rows[1]
    assert "by lena" in rows[1]
    assert "Reserved (no AI training)" in rows[1]
    assert "1 Mar 2026" in rows[1]
    assert first.instruction_sha256 == hashlib.sha256(INSTRUCTION).hexdigest()
    assert first.instruction_sha256 in rows[1]
    assert reverse("preference_instruction", args=[first.pk]) in html


def test_the_artist_page_shows_todays_state_the_works_and_a_statement_dated_ahead(client_as):
    legal = UserFactory(role=LEGAL)
    follows, differs = WorkFactory(artist="Nina Keys"), WorkFactory(artist="Nina Keys")
    artist = follows.artist_profile
    today = timezone.localdate()
    make_statement(
        artist,
        "reserved",
        by=legal,
        effective_from=today - timedelta(days=30),
        work_choices={differs.pk: "undecided"},
    )
    make_statement(
        artist,
        "licensable",
        by=legal,
        effective_from=today + timedelta(days=10),
        licensing_contact="x@y.z",
    )

    html = client_as(MANAGER).get(reverse("artist_detail", args=[artist.pk])).content.decode()

    assert "Reserved (no AI training)</strong> since" in html
    ahead = today + timedelta(days=10)
    assert f"Scheduled from {ahead:%-d %B %Y}: Licensable on terms." in html
    works = dict(zip([follows.title, differs.title], _rows(_table(html, "works")), strict=True))
    assert "Reserved (no AI training)" in works[follows.title]
    assert "Undecided" in works[differs.title]
    assert "differs from the artist" in works[differs.title]
    assert f"{today - timedelta(days=30):%-d %b %Y}" in works[differs.title]


def test_recording_through_the_page_as_legal_adds_one_statement_and_one_audit_event(client_as):
    work = WorkFactory(artist="Ravi Shore")
    artist = work.artist_profile
    client = client_as(LEGAL)
    letter = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

    response = client.post(
        reverse("preference_record", args=[artist.pk]),
        {
            "preference": "licensable",
            "effective_from": "2026-07-01",
            "licensing_contact": "Ravi's manager <m@ravi.example>",
            "instruction": SimpleUploadedFile("signed form.pdf", letter, "application/pdf"),
            "note": "Signed at the studio",
            f"work_{work.pk}": "reserved",
        },
        follow=True,
    )

    statement = PreferenceStatement.objects.get(artist=artist)
    assert (statement.preference, statement.effective_from) == ("licensable", date(2026, 7, 1))
    assert statement.recorded_by.username == "legal"
    assert statement.instruction_sha256 == hashlib.sha256(letter).hexdigest()
    assert statement.instruction_filename == "signed form.pdf"
    with default_storage.open(statement.instruction_file.name, "rb") as stored:
        assert stored.read() == letter
    assert [(c.work_id, c.preference) for c in statement.work_choices.all()] == [
        (work.pk, "reserved")
    ]
    events = AuditEvent.objects.filter(verb="preference.recorded")
    assert [(e.target_id, e.data["record_sha256"]) for e in events] == [
        (str(artist.pk), statement.record_sha256)
    ]
    assert response.redirect_chain[-1][0] == reverse("artist_detail", args=[artist.pk])
    assert f"Record SHA-256 {statement.record_sha256}" in response.content.decode()


def test_the_form_is_prefilled_with_todays_exceptions_and_warns_it_is_permanent(client_as):
    legal = UserFactory(role=LEGAL)
    plain, special = WorkFactory(artist="Ola Tide"), WorkFactory(artist="Ola Tide")
    make_statement(
        plain.artist_profile, "reserved", by=legal, work_choices={special.pk: "undecided"}
    )

    page = client_as(LEGAL).get(reverse("preference_record", args=[plain.artist_profile.pk]))

    form = page.context["form"]
    assert form[f"work_{special.pk}"].value() == "undecided"
    assert form[f"work_{plain.pk}"].value() == ""
    assert form["effective_from"].value() == timezone.localdate()
    assert "A statement is permanent" in page.content.decode()


def test_an_html_file_named_pdf_is_refused_and_nothing_is_saved(client_as, media):
    artist = WorkFactory(artist="Mo Reed").artist_profile

    response = client_as(LEGAL).post(
        reverse("preference_record", args=[artist.pk]),
        {
            "preference": "reserved",
            "effective_from": "2026-07-01",
            "instruction": SimpleUploadedFile(
                "instruction.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"
            ),
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved." in html
    assert "contains web markup (HTML, SVG or XML)" in html
    assert not PreferenceStatement.objects.exists()
    assert not AuditEvent.objects.filter(verb="preference.recorded").exists()
    assert _stored_instructions(media) == []


def test_licensable_without_a_licensing_contact_is_refused(client_as, media):
    artist = WorkFactory(artist="Lu Park").artist_profile

    response = client_as(LEGAL).post(
        reverse("preference_record", args=[artist.pk]),
        {
            "preference": "licensable",
            "effective_from": "2026-07-01",
            "licensing_contact": "  ",
            "instruction": SimpleUploadedFile("instruction.txt", INSTRUCTION),
        },
    )

    assert response.status_code == 400
    assert "Licensable on terms needs a licensing contact." in response.content.decode()
    assert not PreferenceStatement.objects.exists()
    assert _stored_instructions(media) == []


def test_an_effective_date_decades_away_is_refused(client_as):
    artist = WorkFactory(artist="Kai Moon").artist_profile

    response = client_as(LEGAL).post(
        reverse("preference_record", args=[artist.pk]),
        {
            "preference": "reserved",
            "effective_from": "2062-07-01",
            "instruction": SimpleUploadedFile("instruction.txt", INSTRUCTION),
        },
    )

    assert response.status_code == 400
    assert "is more than 10 years from today; check the date." in response.content.decode()
    assert not PreferenceStatement.objects.exists()


@pytest.mark.parametrize("role", [PARALEGAL, MANAGER])
def test_paralegals_and_managers_cannot_record_a_statement(client_as, role):
    artist = WorkFactory(artist="Eve Stone").artist_profile
    client = client_as(role)
    url = reverse("preference_record", args=[artist.pk])

    shown = client.get(url)
    posted = client.post(
        url,
        {
            "preference": "reserved",
            "effective_from": "2026-07-01",
            "instruction": SimpleUploadedFile("instruction.txt", INSTRUCTION),
        },
    )

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert not PreferenceStatement.objects.exists()
    assert not AuditEvent.objects.filter(verb="preference.recorded").exists()
    detail = client.get(reverse("artist_detail", args=[artist.pk])).content.decode()
    assert url not in detail  # no button leading to a refusal


def test_a_manager_sees_the_list_and_the_artist_page_but_no_buttons_to_change(client_as):
    legal = UserFactory(role=LEGAL)
    artist = WorkFactory(artist="Pia Lane").artist_profile
    make_statement(artist, "reserved", by=legal)
    link = PreferenceLink.objects.create(
        artist=artist,
        recipient_email="pia@example.com",
        token_sha256="a" * 64,
        created_by=legal,
        expires_at=timezone.now() + timedelta(days=5),
    )
    client = client_as(MANAGER)

    listing = client.get(reverse("artist_list")).content.decode()
    detail = client.get(reverse("artist_detail", args=[artist.pk])).content.decode()

    assert "Pia Lane" in listing
    assert "Reserved (no AI training)" in listing
    assert "Open until" in listing
    link_row = _rows(_table(detail, "links"))[0]
    assert "pia@example.com" in link_row
    assert "Open" in link_row
    assert reverse("preference_link_revoke", args=[link.pk]) not in detail
    assert reverse("preference_record", args=[artist.pk]) not in detail
    assert reverse("preference_link_create", args=[artist.pk]) not in detail


def test_a_paralegal_may_revoke_or_send_a_link_but_not_record_a_statement(client_as):
    legal = UserFactory(role=LEGAL)
    artist = WorkFactory(artist="Ben Vale").artist_profile
    link = PreferenceLink.objects.create(
        artist=artist,
        recipient_email="ben@example.com",
        token_sha256="b" * 64,
        created_by=legal,
        expires_at=timezone.now() + timedelta(days=5),
    )

    detail = client_as(PARALEGAL).get(reverse("artist_detail", args=[artist.pk]))

    html = detail.content.decode()
    assert reverse("preference_link_revoke", args=[link.pk]) in html
    assert reverse("preference_link_create", args=[artist.pk]) in html  # may send another
    assert reverse("preference_record", args=[artist.pk]) not in html  # but not record one


def test_the_instruction_is_served_as_an_attachment_with_its_name_and_audited(client_as):
    legal = UserFactory(role=LEGAL)
    artist = WorkFactory(artist="Zoe Quill").artist_profile
    statement = make_statement(
        artist, "reserved", instruction=Instruction(INSTRUCTION, "Zoë's letter.txt"), by=legal
    )

    response = client_as(MANAGER).get(reverse("preference_instruction", args=[statement.pk]))

    assert response.content == INSTRUCTION
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Zo%C3%AB%27s%20letter.txt" in response["Content-Disposition"]
    event = AuditEvent.objects.get(verb="preference.instruction_downloaded")
    assert event.actor.username == "manager"
    assert event.data == {"artist": artist.pk, "sha256": statement.instruction_sha256}


def test_an_instruction_whose_bytes_changed_is_not_served(client_as):
    artist = WorkFactory(artist="Yan Field").artist_profile
    statement = make_statement(artist, "reserved", by=UserFactory(role=LEGAL))
    with default_storage.open(statement.instruction_file.name, "wb") as stored:
        stored.write(b"Please license everything.")

    response = client_as(LEGAL).get(reverse("preference_instruction", args=[statement.pk]))

    assert response.status_code == 409
    assert "does not match its recorded SHA-256" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="preference.instruction_downloaded").exists()


def test_a_work_naming_its_artist_in_other_case_or_spacing_joins_the_same_entry():
    first = WorkFactory(artist="The Lanterns")

    second = WorkFactory(artist="  the   lanterns ")

    assert second.artist_profile == first.artist_profile
    assert second.artist == "the lanterns"


def test_a_change_dated_ahead_but_recorded_before_the_statement_in_force_is_flagged(client):
    lawyer = UserFactory(role=LEGAL)
    artist = WorkFactory(artist="Late Change").artist_profile
    make_statement(
        artist, "reserved", by=lawyer, effective_from=timezone.localdate() + timedelta(days=10)
    )
    client.force_login(lawyer)
    before = client.get(reverse("artist_detail", args=[artist.pk])).content.decode()
    make_statement(artist, "licensable", by=lawyer, licensing_contact="deals@late.example")

    after = client.get(reverse("artist_detail", args=[artist.pk])).content.decode()

    assert 'data-testid="scheduled"' in before
    assert "scheduled-conflict" not in before
    assert 'data-testid="scheduled-conflict"' in after
    assert "check with the artist that it still stands" in after
