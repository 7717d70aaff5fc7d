"""The REST API's behaviour: what it answers, what it stores (through the services, audited),
filters, ordering, pagination, actions, the PDF, the figures and errors. Replies and
Idempotency-Key: test_api_replies."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from tests import report_helpers
from tests.api_helpers import api_client, audited
from tests.campaign_helpers import make_campaign
from tests.factories import CompanyFactory, UserFactory, make_notice
from warnings_app.api.serializers.figures import figures_data
from warnings_app.domain.roles import LEGAL, MANAGER, PARALEGAL
from warnings_app.models import AuditEvent, Campaign, Company, Notice
from warnings_app.reports.dashboard.figures import dashboard_figures
from warnings_app.reports.dashboard.rollup import figures_refresh
from warnings_app.selectors.letter_filters import LetterFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def legal():
    return api_client(UserFactory(role=LEGAL))


@pytest.fixture
def paralegal():
    return api_client(UserFactory(role=PARALEGAL))


# --- authentication ---------------------------------------------------------------------------


def test_a_token_authenticates_and_an_unknown_one_is_refused_with_401():
    user = UserFactory(role=MANAGER)

    ok = api_client(user).get("/api/v1/companies/")
    bad = APIClient(HTTP_AUTHORIZATION="Token not-a-token").get("/api/v1/companies/")
    anonymous = APIClient().get("/api/v1/companies/")

    assert ok.status_code == 200
    assert bad.status_code == 401
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    assert anonymous.json()["detail"]


# --- register ---------------------------------------------------------------------------------


def test_company_create_goes_through_the_service_and_is_audited(paralegal):
    response = paralegal.post(
        "/api/v1/companies/",
        {
            "legal_name": "  Sonic  Forge AI Ltd ",
            "website": "https://www.SonicForge.ai/about",
            "country": "GB",
            "segment": "generative_music",
            "tags": ["Wave-1"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["legal_name"] == "Sonic Forge AI Ltd"
    assert body["domain"] == "sonicforge.ai"
    assert body["tags"] == ["wave-1"]
    company = Company.objects.get(pk=body["id"])
    assert company.name_key
    assert AuditEvent.objects.get(verb="company.created").target_id == str(company.pk)


def test_company_create_reports_the_forms_errors_per_field(legal):
    taken = CompanyFactory(domain="taken.example")

    response = legal.post(
        "/api/v1/companies/",
        {"legal_name": "Other Ltd", "domain": "TAKEN.example", "country": "XX"},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()
    assert "country" in errors
    assert audited("company.created") == 0
    assert taken.legal_name not in str(errors) or "<a" not in str(errors)


def test_company_duplicate_domain_is_a_400_without_html(legal):
    CompanyFactory(domain="taken.example", legal_name="Taken Ltd")

    response = legal.post(
        "/api/v1/companies/",
        {"legal_name": "Other Ltd", "domain": "taken.example", "country": "DE"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["domain"] == ["taken.example is already registered to Taken Ltd."]


def test_company_patch_updates_only_what_is_sent_and_audits_the_change(legal):
    company = CompanyFactory(legal_name="Old Name Ltd", country="FR")

    response = legal.patch(
        f"/api/v1/companies/{company.pk}/", {"hold_automation": True, "hold_reason": "talks"}
    )

    assert response.status_code == 200, response.json()
    company.refresh_from_db()
    assert company.hold_automation
    assert company.legal_name == "Old Name Ltd"
    assert company.country.code == "FR"
    event = AuditEvent.objects.get(verb="company.updated")
    assert event.data["changes"]["hold_automation"] == [False, True]


def test_a_company_cannot_become_its_own_ancestor(legal):
    parent = CompanyFactory()
    child = CompanyFactory(parent=parent)

    response = legal.patch(f"/api/v1/companies/{parent.pk}/", {"parent": child.pk})

    assert response.status_code == 400
    assert "parent" in response.json()


def test_contact_create_applies_the_contact_forms_rules(paralegal):
    company = CompanyFactory()

    unreachable = paralegal.post("/api/v1/contacts/", {"company": company.pk, "name": "X"})
    ok = paralegal.post(
        "/api/v1/contacts/", {"company": company.pk, "email": "Legal@Example.COM", "name": "Legal"}
    )

    assert unreachable.status_code == 400
    assert "non_field_errors" in unreachable.json()
    assert ok.status_code == 201
    assert ok.json()["email"] == "Legal@example.com"
    assert audited("contact.created") == 1


def test_company_list_filters_orders_and_paginates(legal):
    for name, country in [("Bravo", "DE"), ("Alpha", "DE"), ("Charlie", "FR")]:
        CompanyFactory(legal_name=f"{name} Ltd", country=country)

    page = legal.get("/api/v1/companies/?country=DE&ordering=-legal_name&page_size=1").json()

    assert page["count"] == 2
    assert [c["legal_name"] for c in page["results"]] == ["Bravo Ltd"]
    assert page["next"].endswith("page=2&page_size=1") or "page=2" in page["next"]


def test_page_size_is_capped_and_bad_queries_are_400_not_500(legal):
    CompanyFactory()

    capped = legal.get("/api/v1/companies/?page_size=100000")
    bad_filter = legal.get("/api/v1/companies/?country=ZZZ")
    bad_page = legal.get("/api/v1/companies/?page=99")
    bad_order = legal.get("/api/v1/companies/?ordering=notes")

    assert capped.status_code == 200
    assert bad_filter.status_code == 400
    assert bad_page.status_code == 404
    assert bad_order.status_code == 200  # unknown ordering fields are ignored, not leaked


def test_company_list_uses_a_fixed_number_of_queries(legal, django_assert_max_num_queries):
    for _ in range(30):
        CompanyFactory().tags.create(name=f"t{Company.objects.count()}")

    # Seven with the token's first use, whose last-used time is written (at most once a minute).
    with django_assert_max_num_queries(7):
        response = legal.get("/api/v1/companies/?page_size=30")

    assert len(response.json()["results"]) == 30


# --- campaigns --------------------------------------------------------------------------------


def test_campaign_lifecycle_through_the_api(legal, django_capture_on_commit_callbacks):
    campaign = make_campaign(companies=2)
    author = api_client(campaign.created_by)

    with django_capture_on_commit_callbacks(execute=False):
        generated = author.post(f"/api/v1/campaigns/{campaign.pk}/generate/")
    assert generated.status_code == 200
    assert generated.json()["status"] == "generating"
    from warnings_app.tasks import render_notice_task

    for notice in Notice.objects.filter(campaign=campaign):
        render_notice_task(notice.pk)

    refused = author.post(f"/api/v1/campaigns/{campaign.pk}/approve/", {})
    approved = legal.post(f"/api/v1/campaigns/{campaign.pk}/approve/", {})
    with django_capture_on_commit_callbacks(execute=False):
        sent = author.post(f"/api/v1/campaigns/{campaign.pk}/send/")
    paused = legal.post(f"/api/v1/campaigns/{campaign.pk}/pause/", {"reason": "talks"})

    assert refused.status_code == 400
    assert "author" in refused.json()["detail"]
    assert approved.json() == {"approved": 2, "refused": []}
    assert sent.json() == {"queued": 2, "blocked": 0}
    assert paused.json()["status"] == "paused"
    assert audited("campaign.paused") == 1


def test_campaign_create_through_the_api(legal):
    template = make_campaign(companies=1)  # supplies an approved version, a principal and a tag

    response = legal.post(
        "/api/v1/campaigns/",
        {
            "name": "Wave two",
            "template_version": template.template_version_id,
            "principals": [template.principals.first().pk],
            "recipient_filter": {"tags": ["wave-1"]},
            "channels": ["email"],
            "steps": [
                {
                    "name": "Reminder",
                    "offset_business_days": 10,
                    "action": "letter",
                    "template_version": template.template_version_id,
                }
            ],
        },
    )
    duplicate = legal.post("/api/v1/campaigns/", {"name": "wave TWO"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["recipient_filter"] == {"tags": ["wave-1"]}
    assert body["steps"][0]["offset_business_days"] == 10
    assert Campaign.objects.get(pk=body["id"]).steps.count() == 1
    assert "name" in duplicate.json()


# --- notices ----------------------------------------------------------------------------------


def _with_pdf(notice, content=b"%PDF-1.7 the letter"):
    Notice.objects.filter(pk=notice.pk).update(
        pdf=default_storage.save("notices/api.pdf", ContentFile(content)),
        pdf_sha256=hashlib.sha256(content).hexdigest(),
    )
    return Notice.objects.get(pk=notice.pk)


def test_notice_pdf_is_served_only_while_it_matches_its_hash(legal):
    notice = _with_pdf(make_notice())

    ok = legal.get(f"/api/v1/notices/{notice.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    with default_storage.open(notice.pdf.name, "wb") as f:
        f.write(b"%PDF-1.7 altered")
    altered = legal.get(f"/api/v1/notices/{notice.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    unrendered = legal.get(f"/api/v1/notices/{make_notice().pk}/pdf/")

    assert ok.status_code == 200
    assert ok["Content-Type"] == "application/pdf"
    assert ok.content == b"%PDF-1.7 the letter"
    assert ok["X-Content-SHA256"] == notice.pdf_sha256
    assert altered.status_code == 409
    assert altered["Content-Type"] == "application/json"
    assert "SHA-256" in altered.json()["detail"]
    assert unrendered.status_code == 404
    assert audited("notice.pdf_downloaded") == 1


def test_notices_filter_by_campaign_status_company_segment_country_and_sent_date(legal):
    music = CompanyFactory(segment="generative_music", country="DE")
    voice = CompanyFactory(segment="voice_cloning", country="FR")
    a, b = make_notice(company=music), make_notice(company=voice)
    today = timezone.localdate()
    Notice.objects.filter(pk=a.pk).update(
        status="sent", sent_at=timezone.now(), approved_by=UserFactory()
    )
    Notice.objects.filter(pk=b.pk).update(sent_at=timezone.now() - timedelta(days=10))

    def refs(query):
        return {n["reference"] for n in legal.get(f"/api/v1/notices/?{query}").json()["results"]}

    assert refs("status=sent") == {a.reference}
    assert refs(f"company={voice.pk}") == {b.reference}
    assert refs("segment=voice_cloning") == {b.reference}
    assert refs("country=DE") == {a.reference}
    assert refs(f"sent_after={today}") == {a.reference}
    assert refs(f"sent_before={today - timedelta(days=5)}") == {b.reference}
    assert refs("ordering=reference") == {a.reference, b.reference}
    assert legal.get("/api/v1/notices/?campaign=999999").json()["count"] == 0


# --- figures ----------------------------------------------------------------------------------


def test_figures_equal_the_dashboards():
    campaign, _ = report_helpers.known_letters()
    figures_refresh()
    manager = api_client(UserFactory(role=MANAGER))

    everything = manager.get("/api/v1/figures/").json()
    one = manager.get(f"/api/v1/figures/?campaign={campaign.pk}&segment=generative_music").json()

    expected = dashboard_figures(LetterFilter())
    assert everything["totals"] == dict(expected.totals)
    assert everything["outcomes"] == dict(expected.outcomes)
    assert everything["median_days_to_reply"] == expected.median_days_to_reply
    assert everything["steps_due_this_week"] == expected.steps_due_this_week
    chosen = dashboard_figures(LetterFilter(campaign=campaign, segment="generative_music"))
    assert one["totals"] == figures_data(chosen)["totals"]


def test_figures_refuse_bad_filters_with_400():
    manager = api_client(UserFactory(role=MANAGER))

    reversed_dates = manager.get("/api/v1/figures/?since=2026-02-01&until=2026-01-01")
    bad_campaign = manager.get("/api/v1/figures/?campaign=nope")

    assert reversed_dates.status_code == 400
    assert bad_campaign.status_code == 400
    assert "campaign" in bad_campaign.json()


# --- schema -----------------------------------------------------------------------------------


def test_schema_and_docs_need_a_signed_in_user(client):
    user = UserFactory(role=MANAGER)

    anonymous = APIClient().get("/api/schema/")
    schema = api_client(user).get("/api/schema/?format=json")
    client.force_login(user)
    docs = client.get("/api/docs/")

    assert anonymous.status_code == 401
    assert schema.status_code == 200
    assert "/api/v1/replies/" in schema.json()["paths"]
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()
