"""Edge cases of the register pages found in review: concurrent edits, odd inputs, loops."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CompanyFactory, ContactFactory
from warnings_app.models import AuditEvent, Company, Contact
from warnings_app.selectors.companies import company_page

pytestmark = pytest.mark.django_db


def _company_form(company, **changes):
    data = {
        "legal_name": company.legal_name,
        "aliases": company.aliases,
        "website": company.website,
        "domain": company.domain,
        "country": company.country.code,
        "segment": company.segment,
        "hold_reason": company.hold_reason,
        "notes": company.notes,
        "tags": "",
        "parent_lookup": "",
        "version": company.updated_at.isoformat(),
    }
    return {**data, **changes}


def test_a_stale_edit_is_refused_and_keeps_the_users_input(client_as):
    company = CompanyFactory(notes="")
    first_form = _company_form(company, notes="Spoke to their GC on Monday.")
    second_form = _company_form(company, segment="platform")  # opened at the same time
    client = client_as("Legal")

    first = client.post(reverse("company_edit", args=[company.pk]), first_form)
    second = client.post(reverse("company_edit", args=[company.pk]), second_form)

    company.refresh_from_db()
    assert first.status_code == 302
    assert second.status_code == 409
    assert "Someone else changed this record" in second.content.decode()
    assert company.notes == "Spoke to their GC on Monday."
    assert company.segment != "platform"
    form = second.context["form"]
    assert form.data["segment"] == "platform"  # nothing the user typed is lost
    assert form.data["version"] == company.updated_at.isoformat()  # saving again now works
    assert AuditEvent.objects.filter(verb="company.updated").count() == 1


def test_an_email_only_contact_can_be_added_with_the_prefilled_country(client_as):
    company = CompanyFactory(country="FR")
    client = client_as("Paralegal")

    page = client.get(reverse("contact_create", args=[company.pk]))
    response = client.post(
        reverse("contact_create", args=[company.pk]),
        {
            "role": "general",
            "name": "Press office",
            "email": "press@x.example",
            "country": page.context["form"]["country"].value(),
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert Contact.objects.get(company=company).country.code == "FR"


def test_a_company_whose_parent_shares_its_name_can_still_be_saved(client_as):
    parent = CompanyFactory(legal_name="Common Name Holdings", domain="")
    CompanyFactory(legal_name="Common Name Holdings", domain="")
    child = CompanyFactory(legal_name="Child SAS", parent=parent)
    client = client_as("Legal")
    form = client.get(reverse("company_edit", args=[child.pk])).context["form"]

    response = client.post(
        reverse("company_edit", args=[child.pk]),
        _company_form(child, notes="updated", parent_lookup=form["parent_lookup"].value()),
    )

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.parent == parent
    assert child.notes == "updated"


def test_invalid_filters_are_reported_and_the_valid_ones_still_apply(client_as):
    CompanyFactory(legal_name="Alpha Audio")
    CompanyFactory(legal_name="Beta Beats")
    client = client_as("Manager")

    response = client.get(reverse("company_list"), {"q": "Alpha", "country": "ZZ"})

    assert response.status_code == 400
    assert [c.legal_name for c in response.context["page"]] == ["Alpha Audio"]
    assert "were not understood" in response.content.decode()


def test_a_signed_in_user_can_open_the_login_page_without_a_redirect_loop(client_as):
    client = client_as("Legal")

    response = client.get(reverse("login"), {"next": reverse("login")})

    assert response.status_code == 200


def test_company_page_query_count_does_not_grow_with_contacts_and_affiliates():
    parent = CompanyFactory()
    company = CompanyFactory(parent=parent)
    ContactFactory(company=company)
    with CaptureQueriesContext(connection) as small:
        company_page(company_id=company.pk)

    for _ in range(20):
        ContactFactory(company=company)
        CompanyFactory(parent=parent)
    with CaptureQueriesContext(connection) as large:
        company_page(company_id=company.pk)

    assert len(small.captured_queries) == len(large.captured_queries)
    assert Company.objects.filter(parent=parent).count() == 21
