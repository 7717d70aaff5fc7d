"""The licence resources of the API: read-only lists and details, their filters and pages, the
same rules as the dashboard (in force, annualised fee, overdue), and no privileged notes."""

from decimal import Decimal

import pytest

from tests.api_helpers import api_client
from tests.factories import UserFactory
from tests.licence_figures_helpers import build
from warnings_app.models.licences import MatterNote

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    return build()


@pytest.fixture
def api():
    return api_client(UserFactory(role="Paralegal"))


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_licence_talks_filter_by_stage_and_company(built, api):
    m = built.matters

    assert _ids(api.get("/api/v1/licence-matters/", {"stage": "term_sheet"})) == {m["early"].pk}
    both = api.get("/api/v1/licence-matters/?stage=enquiry&stage=declined")
    assert _ids(both) == {m["enquiring"].pk, m["declining"].pk}
    company = built.companies["Twice"].pk
    assert _ids(api.get("/api/v1/licence-matters/", {"company": company})) == {m["twice"].pk}


def test_a_matter_is_served_without_its_privileged_notes(built, api):
    matter = built.matters["asked"]
    MatterNote.objects.create(matter=matter, text="Our walk-away price", written_by=UserFactory())

    answer = api_client(UserFactory(role="Legal")).get(f"/api/v1/licence-matters/{matter.pk}/")

    assert answer.status_code == 200
    assert answer.json()["stage"] == "active"
    assert "walk-away" not in answer.content.decode()


def test_licences_in_force_today_are_the_dashboards_active_licences(built, api):
    lic = built.licences
    active = {lic[k].pk for k in ("asked", "twice", "recorded", "share_min", "share", "once")}

    assert _ids(api.get("/api/v1/licences/", {"in_force": "true"})) == active
    retired = {lic["expired"].pk, lic["terminated"].pk}
    assert _ids(api.get("/api/v1/licences/", {"in_force": "false"})) == retired
    long_ago = built.today.replace(year=built.today.year - 1).isoformat()
    assert _ids(api.get("/api/v1/licences/", {"in_force_on": long_ago})) >= {lic["expired"].pk}


def test_a_licence_says_its_annualised_fee_and_whether_it_is_in_force(built, api):
    twice = api.get(f"/api/v1/licences/{built.licences['twice'].pk}/").json()
    share = api.get(f"/api/v1/licences/{built.licences['share'].pk}/").json()
    expired = api.get(f"/api/v1/licences/{built.licences['expired'].pk}/").json()

    assert twice["in_force_today"] is True
    assert twice["included_works"] == 2
    assert Decimal(twice["annualised_fee"]["amount"]) == Decimal("240.00")
    assert twice["annualised_fee"]["currency"] == "GBP"
    assert share["annualised_fee"]["amount"] is None
    assert "revenue share" in share["annualised_fee"]["not_counted"]
    assert expired["in_force_today"] is False


def test_usage_reports_and_findings_by_licence(built, api):
    twice = built.licences["twice"].pk

    reports = api.get("/api/v1/usage-reports/", {"licence": twice}).json()
    findings = api.get("/api/v1/usage-findings/", {"licence": twice}).json()
    settled = api.get("/api/v1/usage-findings/", {"licence": twice, "overdue": "true"}).json()

    assert reports["count"] == 1
    assert {f["kind"] for f in findings["results"]} == {"report_overdue", "unknown_work"}
    assert settled["count"] == 0  # its overdue period was reported since


def test_lists_come_in_pages(built, api):
    page = api.get("/api/v1/licences/", {"page_size": 3}).json()

    assert page["count"] == len(built.licences)
    assert len(page["results"]) == 3
    assert page["next"]


@pytest.mark.parametrize(
    "query",
    ["stage=someday", "company=0", "company=", "in_force=perhaps", "in_force_on=yesterday"],
)
def test_a_bad_filter_is_a_clear_400(built, api, query):
    path = "/api/v1/licences/" if "in_force" in query else "/api/v1/licence-matters/"

    response = api.get(f"{path}?{query}")

    assert response.status_code == 400


def test_a_page_parameter_without_a_number_is_a_400(built, api):
    response = api.get("/api/v1/usage-reports/?page=")

    assert response.status_code == 400
    assert "page" in response.json()
