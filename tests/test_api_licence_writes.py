"""Writing through the licence API: the pages' services under the pages' permissions. Legal
moves, declines, records and terminates; Paralegals open talks from a reply and import usage
reports; Managers only read. A refusal is a 400 naming what is wrong, and nothing changes."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.utils import timezone

from tests.api_helpers import api_client
from tests.factories import UserFactory, make_notice
from tests.licence_deal_helpers import AGREEMENT_PDF, make_matter
from tests.preference_factories import artist_with_works, make_statement
from tests.usage_files import csv_bytes, five_hundred_rows, seeded_licence
from warnings_app import models as m
from warnings_app.domain.roles import LEGAL, MANAGER, PARALEGAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """Two works of an artist who is licensable on terms."""
    artist, works = artist_with_works("Ona Open", 2)
    make_statement(artist, m.Preference.LICENSABLE, effective_from=date(2026, 1, 1))
    return works


@pytest.fixture
def people():
    return {role: api_client(UserFactory(role=role)) for role in (LEGAL, PARALEGAL, MANAGER)}


def _talks_request() -> m.Response:
    notice = make_notice()
    return m.Response.objects.create(
        notice=notice,
        company=notice.company,
        channel=m.Response.Channel.EMAIL,
        received_at=timezone.now(),
        outcome=m.Response.Outcome.REQUESTS_TALKS,
    )


def test_a_paralegal_opens_talks_from_a_reply_once_and_a_manager_cannot(people):
    reply = _talks_request()

    refused = people[MANAGER].post("/api/v1/licence-matters/", {"reply": reply.pk}, format="json")
    opened = people[PARALEGAL].post("/api/v1/licence-matters/", {"reply": reply.pk}, format="json")
    again = people[PARALEGAL].post("/api/v1/licence-matters/", {"reply": reply.pk}, format="json")
    both = people[LEGAL].post(
        "/api/v1/licence-matters/", {"reply": reply.pk, "company": reply.company_id}, format="json"
    )

    assert refused.status_code == 403
    assert opened.status_code == 201, opened.content
    assert opened.json()["stage"] == "enquiry"
    assert opened.json()["company"] == reply.company_id
    assert again.status_code == 400
    assert "talks #" in again.json()["detail"]
    assert both.status_code == 400
    assert m.LicenceMatter.objects.count() == 1


def test_only_legal_moves_talks_and_signing_needs_the_licence(people):
    matter = make_matter(stage="enquiry")
    url = f"/api/v1/licence-matters/{matter.pk}/move/"

    by_paralegal = people[PARALEGAL].post(url, {"to_stage": "nda"}, format="json")
    moved = people[LEGAL].post(
        url, {"to_stage": "term_sheet", "reason": "NDA signed"}, format="json"
    )
    signed = people[LEGAL].post(url, {"to_stage": "signed"}, format="json")

    assert by_paralegal.status_code == 403
    assert moved.status_code == 200
    assert moved.json()["stage"] == "term_sheet"
    assert signed.status_code == 400
    assert "signed by recording its licence" in signed.json()["detail"]
    matter.refresh_from_db()
    assert matter.stage == "term_sheet"
    assert list(matter.moves.values_list("to_stage", flat=True)) == ["term_sheet"]


def _deal_form(**changes):
    today = timezone.localdate()
    form = {
        "uses": ["training"],
        "scope": "all",
        "territories": "DE, FR",
        "signed_on": today.isoformat(),
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=364)).isoformat(),
        "fee_model": "flat",
        "fee_amount": "12000",
        "fee_currency": "EUR",
        "fee_period": "year",
        "reporting_months": "3",
    }
    form.update(changes)
    return form


def _agreement() -> BytesIO:
    upload = BytesIO(AGREEMENT_PDF)
    upload.name = "signed.pdf"
    return upload


def test_legal_records_the_licence_with_its_agreement_and_bad_terms_change_nothing(
    people, catalogue
):
    matter = make_matter()
    url = f"/api/v1/licence-matters/{matter.pk}/licence/"

    manager = people[MANAGER].post(
        url, {**_deal_form(), "agreement": _agreement()}, format="multipart"
    )
    no_agreement = people[LEGAL].post(url, _deal_form(), format="multipart")
    bad_territory = people[LEGAL].post(
        url, {**_deal_form(territories="XX"), "agreement": _agreement()}, format="multipart"
    )
    recorded = people[LEGAL].post(
        url, {**_deal_form(), "agreement": _agreement()}, format="multipart"
    )

    assert manager.status_code == 403
    assert no_agreement.status_code == 400
    assert "agreement" in no_agreement.json()["errors"]
    assert bad_territory.status_code == 400
    assert "Not an ISO country code: XX" in str(bad_territory.json()["errors"])
    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert body["uses"] == ["training"]
    assert body["territories"] == ["DE", "FR"]
    assert body["in_force_today"] is True
    assert body["included_works"] == len(catalogue)
    assert m.Licence.objects.count() == 1
    matter.refresh_from_db()
    assert matter.stage == "active"


def test_legal_terminates_a_licence_and_a_paralegal_cannot(people, catalogue):
    matter = make_matter()
    people[LEGAL].post(
        f"/api/v1/licence-matters/{matter.pk}/licence/",
        {**_deal_form(), "agreement": _agreement()},
        format="multipart",
    )
    licence = m.Licence.objects.get()
    url = f"/api/v1/licences/{licence.pk}/terminate/"
    on = (timezone.localdate() + timedelta(days=30)).isoformat()

    refused = people[PARALEGAL].post(url, {"terminated_on": on, "reason": "x"}, format="json")
    done = people[LEGAL].post(url, {"terminated_on": on, "reason": "Breach"}, format="json")

    assert refused.status_code == 403
    assert done.status_code == 200
    licence.refresh_from_db()
    assert licence.terminated_on.isoformat() == on
    assert licence.termination_reason == "Breach"


def test_a_paralegal_imports_a_usage_report_once_and_a_bad_file_stores_nothing(people):
    seeded = five_hundred_rows(seeded_licence())
    url = f"/api/v1/licences/{seeded.licence.pk}/usage-reports/"
    period = {
        "period_start": seeded.period_start.isoformat(),
        "period_end": seeded.period_end.isoformat(),
    }

    def upload(data: bytes) -> BytesIO:
        file = BytesIO(data)
        file.name = "usage.csv"
        return file

    bad_rows = [*seeded.rows[:3], ["", "", "", "", "training", "soon", "later", "-1"]]
    manager = people[MANAGER].post(
        url, {**period, "file": upload(csv_bytes(seeded.rows))}, format="multipart"
    )
    bad = people[PARALEGAL].post(
        url, {**period, "file": upload(csv_bytes(bad_rows))}, format="multipart"
    )
    stored = people[PARALEGAL].post(
        url, {**period, "file": upload(csv_bytes(seeded.rows))}, format="multipart"
    )
    again = people[PARALEGAL].post(
        url, {**period, "file": upload(csv_bytes(seeded.rows))}, format="multipart"
    )

    assert manager.status_code == 403
    assert bad.status_code == 400
    assert bad.json()["usage_report"] is None
    assert stored.status_code == 201, stored.content
    report = m.UsageReport.objects.get()
    assert stored.json()["usage_report"] == report.pk
    assert report.lines.count() == 500
    found = set(m.UsageFinding.objects.filter(report=report).values_list("row__line", "kind"))
    assert found == seeded.expected
    assert again.status_code == 200
    assert again.json()["usage_report"] == report.pk
    assert "already imported" in again.json()["report"]["refused"]
    assert m.UsageReport.objects.count() == 1
    assert m.UsageRow.objects.count() == 500


def test_legal_declines_talks_through_the_api(people):
    matter = make_matter(stage="negotiation")
    url = f"/api/v1/licence-matters/{matter.pk}/decline/"

    missing = people[LEGAL].post(url, {"restart_ladder": False}, format="json")
    declined = people[LEGAL].post(
        url, {"reason": "Terms not agreed", "restart_ladder": False}, format="json"
    )

    assert missing.status_code == 400
    assert declined.status_code == 200
    assert declined.json()["stage"] == "declined"


def test_the_api_records_a_renewal_as_the_page_does_and_lists_what_covers_a_company(
    people, catalogue
):
    first = make_matter()
    people[LEGAL].post(
        f"/api/v1/licence-matters/{first.pk}/licence/",
        {**_deal_form(), "agreement": _agreement()},
        format="multipart",
    )
    old = m.Licence.objects.get()
    old.group_companies.add(group := make_notice().company)
    renewal_talks = make_matter(company=first.company)
    later = old.ends_on + timedelta(days=1)

    renewed = people[LEGAL].post(
        f"/api/v1/licence-matters/{renewal_talks.pk}/licence/",
        {
            **_deal_form(
                signed_on=later.isoformat(),
                starts_on=later.isoformat(),
                ends_on=(later + timedelta(days=364)).isoformat(),
            ),
            "renews": str(old.pk),
            "agreement": _agreement(),
        },
        format="multipart",
    )
    covering = people[MANAGER].get(f"/api/v1/licences/?covers={group.pk}").json()
    licensee_only = people[MANAGER].get(f"/api/v1/licences/?company={group.pk}").json()

    assert renewed.status_code == 201, renewed.content
    assert m.Licence.objects.get(pk=renewed.json()["id"]).renews == old
    assert [row["id"] for row in covering["results"]] == [old.pk]
    assert licensee_only["results"] == []
