"""The licence pages as Legal uses them: recording a deal from talks (and being refused with
the artist named, the typed terms kept), the licence page with what was excluded and why, the
agreement as a verified attachment, a flag resolved, a reminder done, termination."""

import hashlib
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.licence_deal_helpers import AGREEMENT_PDF, make_matter, record_deal
from tests.preference_factories import artist_with_works, make_statement
from warnings_app import models as m
from warnings_app.domain.licences import is_licensed
from warnings_app.domain.roles import LEGAL, MANAGER, PARALEGAL
from warnings_app.services.licence_reminders import licence_dates_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def catalogue():
    today = timezone.localdate()
    ona, ona_works = artist_with_works("Ona Open", 2)
    lanterns, lantern_works = artist_with_works("The Lanterns", 1)
    make_statement(ona, m.Preference.LICENSABLE, effective_from=today - timedelta(days=90))
    make_statement(lanterns, m.Preference.RESERVED, effective_from=date(2026, 3, 1))
    return ona_works, lantern_works


def _post(client, matter, **changes):
    today = timezone.localdate()
    data = {
        "uses": ["training", "evaluation"],
        "scope": "all",
        "territories": "de, fr",
        "signed_on": today.isoformat(),
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=365)).isoformat(),
        "fee_model": "flat",
        "fee_amount": "12000",
        "fee_currency": "eur",
        "fee_period": "year",
        "reporting_months": "3",
        "agreement": SimpleUploadedFile("Signed deal.pdf", AGREEMENT_PDF),
    }
    data.update(changes)
    return client.post(reverse("licence_create", args=[matter.pk]), data)


def test_legal_records_a_deal_and_the_page_shows_what_was_excluded_and_why(client, catalogue):
    matter = make_matter()
    client.force_login(UserFactory(role=LEGAL))

    response = _post(client, matter)

    licence = m.Licence.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("licence_detail", args=[licence.pk])
    assert licence.territories == ["DE", "FR"]
    assert licence.fee_currency == "EUR"
    assert licence.uses == ["training", "evaluation"]
    page = client.get(response.url).content.decode()
    assert "The Lanterns reserved from 2026-03-01" in page
    assert 'data-testid="included-count">(2)' in page
    assert 'data-testid="excluded-count">(1)' in page
    assert licence.agreement_sha256 in page
    assert "Training, Evaluation" in page


def test_a_deal_naming_a_reserved_artist_is_refused_on_the_page_with_the_terms_kept(
    client, catalogue
):
    _, lantern_works = catalogue
    matter = make_matter()
    client.force_login(UserFactory(role=LEGAL))

    response = _post(client, matter, scope="chosen", works=lantern_works[0].isrc)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "The Lanterns reserved from 2026-03-01" in page
    assert lantern_works[0].isrc in page  # what was typed is kept
    assert 'value="de, fr"' in page
    assert not m.Licence.objects.exists()


def test_bad_terms_are_shown_beside_their_fields(client, catalogue):
    matter = make_matter()
    client.force_login(UserFactory(role=LEGAL))

    response = _post(
        client,
        matter,
        territories="DE, Narnia",
        fee_currency="",
        ends_on="2000-01-01",
        uses=[],
        agreement=SimpleUploadedFile("deal.pdf", b"<html><script>x</script></html>"),
    )

    assert response.status_code == 400
    page = response.content.decode()
    for words in ("Not an ISO country code: NARNIA", "ISO 4217", "cannot end", "at least one use"):
        assert words in page
    assert not m.Licence.objects.exists()


def test_an_unsafe_agreement_file_is_refused(client, catalogue):
    matter = make_matter()
    client.force_login(UserFactory(role=LEGAL))

    response = _post(
        client, matter, agreement=SimpleUploadedFile("deal.pdf", b"<html><script>x</script>")
    )

    assert response.status_code == 400
    assert "web markup" in response.content.decode()
    assert not m.Licence.objects.exists()


def test_the_agreement_downloads_as_an_attachment_with_its_sha256(client, catalogue):
    licence = record_deal()
    client.force_login(UserFactory(role=MANAGER))

    response = client.get(reverse("licence_agreement", args=[licence.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-SHA256"] == hashlib.sha256(AGREEMENT_PDF).hexdigest()
    assert response.content == AGREEMENT_PDF
    assert m.AuditEvent.objects.filter(verb="licence.agreement_downloaded").count() == 1


def test_a_flag_shows_on_the_licence_and_the_home_page_and_a_lawyer_resolves_it(client, catalogue):
    ona_works, _ = catalogue
    licence = record_deal()
    applies = timezone.localdate() + timedelta(days=10)
    make_statement(ona_works[0].artist_profile, m.Preference.RESERVED, effective_from=applies)
    flag = licence.flags.get()
    client.force_login(UserFactory(role=LEGAL))

    page = client.get(reverse("licence_detail", args=[licence.pk])).content.decode()
    home = client.get(reverse("home")).content.decode()
    refused = client.post(reverse("licence_flag_resolve", args=[flag.pk]), {"note": ""})
    done = client.post(
        reverse("licence_flag_resolve", args=[flag.pk]), {"note": "Licensee removes the works"}
    )

    assert f"Ona Open reserved from {applies:%-d %B %Y}" in page
    assert 'data-todo="licence_flags"><span class="todo-figure" data-count>1<' in home
    assert refused.status_code == 400
    assert done.status_code == 302
    flag.refresh_from_db()
    assert flag.resolution == "Licensee removes the works"


def test_a_paralegal_marks_a_reminder_done_from_the_to_do_page(client, catalogue):
    licence = record_deal(ends_on=timezone.localdate() + timedelta(days=3), reporting_months=0)
    licence_dates_run()
    reminder = licence.reminders.get(kind="ends")
    client.force_login(UserFactory(role=PARALEGAL))

    todo = client.get(reverse("licence_todos") + "?section=reminders").content.decode()
    response = client.post(reverse("licence_reminder_done", args=[reminder.pk]), {"back": "todos"})

    assert licence.reference in todo
    assert 'data-count="reminders">1<' in todo
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.done_at is not None
    todo = client.get(reverse("licence_todos") + "?section=reminders").content.decode()
    assert "Nothing here." in todo


def test_legal_terminates_a_licence_and_the_company_is_not_licensed_from_that_day(
    client, catalogue
):
    today = timezone.localdate()
    began = today - timedelta(days=10)
    licence = record_deal(signed_on=began, starts_on=began)
    client.force_login(UserFactory(role=LEGAL))

    empty = client.post(reverse("licence_terminate", args=[licence.pk]), {"terminated_on": ""})
    response = client.post(
        reverse("licence_terminate", args=[licence.pk]),
        {"terminated_on": today.isoformat(), "reason": "Clause 12: unpaid fee"},
    )

    assert empty.status_code == 400
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.terminated_on == today
    assert not is_licensed(licence.company_id, today)
    assert is_licensed(licence.company_id, today - timedelta(days=1))
    licence.matter.refresh_from_db()
    assert licence.matter.stage == "terminated"


def test_the_licence_page_reads_in_a_fixed_number_of_queries(
    client, catalogue, django_assert_max_num_queries
):
    licence = record_deal()
    client.force_login(UserFactory(role=LEGAL))

    with django_assert_max_num_queries(20):
        response = client.get(reverse("licence_detail", args=[licence.pk]))

    assert response.status_code == 200


def test_the_to_do_list_reads_in_a_fixed_number_of_queries(
    client, catalogue, django_assert_max_num_queries
):
    for _ in range(3):
        licence = record_deal(ends_on=timezone.localdate() + timedelta(days=2))
    licence_dates_run()
    client.force_login(UserFactory(role=LEGAL))

    with django_assert_max_num_queries(12):
        response = client.get(reverse("licence_todos") + "?section=reminders")

    assert response.content.decode().count("Mark done") == 3
    assert licence.reference in response.content.decode()
