import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CompanyFactory, ContactFactory
from warnings_app.domain.normalise import company_name_key
from warnings_app.models import AuditEvent, Company, Contact, Tag

pytestmark = pytest.mark.django_db


def _bulk_companies(n: int, start: int = 0) -> None:
    companies = Company.objects.bulk_create(
        Company(
            legal_name=f"Bulk {i} GmbH",
            name_key=f"bulk {i}",
            domain=f"bulk-{i}.example",
            country="DE",
            segment="platform",
        )
        for i in range(start, start + n)
    )
    Contact.objects.bulk_create(Contact(company=c, email=f"legal@{c.domain}") for c in companies)
    tag = Tag.objects.create(name=f"wave-{start}")
    for company in companies[:20]:
        company.tags.add(tag)


def _queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_company_list_query_count_does_not_grow_with_the_register(client_as):
    client = client_as("Paralegal")
    _bulk_companies(10)
    small = _queries_for(client, reverse("company_list"))
    small_filtered = _queries_for(client, reverse("company_list") + "?q=bulk&segment=platform")

    _bulk_companies(4990, start=10)
    large = _queries_for(client, reverse("company_list"))
    large_filtered = _queries_for(client, reverse("company_list") + "?q=bulk&segment=platform")
    page_50 = _queries_for(client, reverse("company_list") + "?page=50")

    assert small == large == page_50
    assert small_filtered == large_filtered


def test_company_list_searches_name_alias_and_domain(client_as):
    CompanyFactory(legal_name="Harmonia Labs Ltd", domain="harmonia.example")
    CompanyFactory(legal_name="Other Co", aliases="Tunesmith\nTS Audio", domain="other.example")
    CompanyFactory(legal_name="Third Ltd", domain="soundgrid.example")
    client = client_as("Manager")

    def names(q):
        page = client.get(reverse("company_list"), {"q": q}).context["page"]
        return [c.legal_name for c in page]

    assert names("harmonia") == ["Harmonia Labs Ltd"]
    assert names("tunesmith") == ["Other Co"]
    assert names("soundgrid") == ["Third Ltd"]


def test_company_list_filters_by_segment_country_and_flag(client_as):
    CompanyFactory(legal_name="A", segment="voice_cloning", country="FR")
    CompanyFactory(legal_name="B", segment="voice_cloning", country="US", hold_automation=True)
    counsel = CompanyFactory(legal_name="C", segment="platform", country="US")
    ContactFactory(company=counsel, role=Contact.Role.COUNSEL_OF_RECORD, organisation="Firm")
    client = client_as("Legal")

    def names(**params):
        page = client.get(reverse("company_list"), params).context["page"]
        return sorted(c.legal_name for c in page)

    assert names(segment="voice_cloning") == ["A", "B"]
    assert names(country="US") == ["B", "C"]
    assert names(flag="on_hold") == ["B"]
    assert names(flag="counsel") == ["C"]


VALID = {
    "legal_name": "Sonora AI Ltd",
    "website": "https://www.Sonora.example/about",
    "domain": "",
    "country": "GB",
    "segment": "generative_music",
    "aliases": "Sonora\n",
    "tags": "wave-1, Music-AI",
    "parent_lookup": "",
    "notes": "",
}


def test_creating_a_company_normalises_the_domain_and_audits(client_as):
    client = client_as("Paralegal")

    response = client.post(reverse("company_create"), VALID)

    company = Company.objects.get(legal_name="Sonora AI Ltd")
    assert response.status_code == 302
    assert response.url == reverse("company_detail", args=[company.pk])
    assert company.domain == "sonora.example"
    assert sorted(t.name for t in company.tags.all()) == ["music-ai", "wave-1"]
    event = AuditEvent.objects.get(verb="company.created", target_id=str(company.pk))
    assert event.actor.username == "paralegal"
    assert event.data["domain"] == "sonora.example"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"domain": "taken.example"}, "domain", "already registered to"),
        ({"domain": "not a domain"}, "domain", "not a valid domain"),
        ({"legal_name": "x" * 201}, "legal_name", "at most 200 characters"),
        ({"legal_name": "   "}, "legal_name", "required"),
        ({"country": "XX"}, "country", "not one of the available choices"),
        ({"notes": "n" * 10_001}, "notes", "at most 10000 characters"),
        ({"tags": ",".join(f"t{i}" for i in range(21))}, "tags", "At most 20 tags"),
        ({"parent_lookup": "nobody.example"}, "parent_lookup", "No company in the register"),
        ({"hold_automation": "on", "hold_reason": ""}, "hold_reason", "Say why"),
    ],
)
def test_bad_company_input_gets_a_clear_message_and_saves_nothing(
    client_as, change, field, message
):
    CompanyFactory(legal_name="Existing Ltd", domain="taken.example")
    client = client_as("Legal")
    before = (Company.objects.count(), AuditEvent.objects.count())

    response = client.post(reverse("company_create"), {**VALID, **change})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert (Company.objects.count(), AuditEvent.objects.count()) == before


def test_a_likely_duplicate_is_flagged_before_saving_and_can_be_confirmed(client_as):
    existing = CompanyFactory(legal_name="Sonora A.I. Limited", domain="sonora-ai.example")
    client = client_as("Legal")

    flagged = client.post(reverse("company_create"), VALID)
    confirmed = client.post(reverse("company_create"), {**VALID, "confirm_not_duplicate": "on"})

    assert flagged.status_code == 400
    assert existing in flagged.context["form"].duplicates
    assert "looks like a company already in the register" in flagged.content.decode()
    assert confirmed.status_code == 302
    assert Company.objects.filter(name_key=company_name_key("Sonora AI Ltd")).count() == 2


def test_editing_records_each_changed_field_and_rejects_a_cycle(client_as):
    parent = CompanyFactory(legal_name="Parent Holdings", domain="parent.example")
    child = CompanyFactory(legal_name="Child Ltd", domain="child.example", parent=parent)
    client = client_as("Legal")
    form = {
        **VALID,
        "legal_name": "Parent Holdings",
        "website": "",
        "domain": "parent.example",
        "country": "DE",
        "tags": "",
        "aliases": "",
    }

    cycle = client.post(
        reverse("company_edit", args=[parent.pk]), {**form, "parent_lookup": "child.example"}
    )
    saved = client.post(reverse("company_edit", args=[parent.pk]), {**form, "segment": "platform"})

    assert cycle.status_code == 400
    assert "own parent or ancestor" in cycle.content.decode()
    assert saved.status_code == 302
    event = AuditEvent.objects.get(verb="company.updated", target_id=str(parent.pk))
    assert event.data["changes"]["segment"] == ["generative_music", "platform"]
    parent.refresh_from_db()
    child.refresh_from_db()
    assert parent.parent is None  # the refused cycle left nothing behind
    assert child.parent == parent


CONTACT = {
    "role": "legal_notices",
    "name": "Legal",
    "email": "Legal@Sonora.EXAMPLE",
    "address_line1": "",
    "city": "",
    "country": "",
    "is_active": "on",
}


def test_adding_a_contact_lowercases_the_domain_and_audits(client_as):
    company = CompanyFactory()
    client = client_as("Paralegal")

    response = client.post(reverse("contact_create", args=[company.pk]), CONTACT)

    assert response.status_code == 302
    contact = company.contacts.get()
    assert contact.email == "Legal@sonora.example"
    assert AuditEvent.objects.filter(verb="contact.created", target_id=str(contact.pk)).exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"email": "a@b", "name": "n" * 201}, "name", "at most 200 characters"),
        ({"email": "", "address_line1": ""}, "__all__", "must be reachable"),
        ({"address_line1": "1 High St", "city": ""}, "city", "postal address needs"),
        ({"phone": "call me maybe"}, "phone", "digits"),
        (
            {"role": "counsel_of_record", "name": "", "organisation": ""},
            "organisation",
            "Name the firm",
        ),
    ],
)
def test_bad_contact_input_gets_a_clear_message_and_saves_nothing(
    client_as, change, field, message
):
    company = CompanyFactory()
    client = client_as("Legal")
    before = AuditEvent.objects.count()

    response = client.post(reverse("contact_create", args=[company.pk]), {**CONTACT, **change})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert not company.contacts.exists()
    assert AuditEvent.objects.count() == before


def test_company_page_shows_contacts_affiliates_and_counsel_warning(client_as):
    parent = CompanyFactory(legal_name="Group plc")
    company = CompanyFactory(legal_name="Member GmbH", parent=parent)
    CompanyFactory(legal_name="Sister SAS", parent=parent)
    ContactFactory(
        company=company,
        role=Contact.Role.COUNSEL_OF_RECORD,
        organisation="Marlowe & Finch LLP",
        email="n@marlowe.example",
    )
    client = client_as("Manager")

    html = client.get(reverse("company_detail", args=[company.pk])).content.decode()

    assert "Sister SAS" in html
    assert "Group plc" in html
    assert "Represented by counsel of record (Marlowe &amp; Finch LLP)" in html
    assert "Edit" not in html  # a manager reads, but does not edit
