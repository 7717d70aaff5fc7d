import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import require_postgres
from tests.factories import CompanyFactory, ContactFactory, UserFactory, make_notice
from warnings_app.models import Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def paralegal(client):
    client.force_login(UserFactory(role="Paralegal"))
    return client


def test_a_reference_lands_on_its_notice(paralegal):
    notice = make_notice()

    response = paralegal.get(reverse("search"), {"q": f"  {notice.reference.lower()} "})

    assert response.status_code == 302
    assert response.url == reverse("notice_detail", args=[notice.pk])


def test_a_company_alias_lands_on_the_company(paralegal):
    company = CompanyFactory(legal_name="Tonewright Labs GmbH", aliases="Tonewright\nTWL Audio")
    CompanyFactory(legal_name="Unrelated Robotics Inc")

    response = paralegal.get(reverse("search"), {"q": "TWL Audio"})

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response.url == reverse("company_detail", args=[company.pk])


def test_a_contact_address_and_words_of_a_reply_are_found(paralegal):
    contact = ContactFactory(email="gc@harmonia.example")
    Response.objects.create(
        channel="email",
        received_at=timezone.now(),
        company=contact.company,
        subject="Training data disclosure",
        body_text="We never used the catalogue for training our voice model.",
    )

    by_address = paralegal.get(reverse("search"), {"q": "gc@harmonia.example"})
    by_words = paralegal.get(reverse("search"), {"q": "voice model", "list": "1"})

    assert by_address.url == reverse("company_detail", args=[contact.company_id])
    assert "Training data disclosure" in by_words.content.decode()


def test_search_runs_a_bounded_number_of_queries(paralegal, django_assert_max_num_queries):
    for i in range(30):
        company = CompanyFactory(legal_name=f"Sonic Forge {i} Ltd")
        Response.objects.create(
            channel="email", received_at=timezone.now(), company=company, subject="Sonic forge"
        )

    with django_assert_max_num_queries(10):
        page = paralegal.get(reverse("search"), {"q": "sonic forge"})

    assert page.content.decode().count("Sonic Forge") >= 20


@pytest.mark.parametrize(
    ("model", "fields", "index"),
    [
        (Response, ["subject", "body_text", "sender"], "search_response_text"),
        ("Company", ["legal_name", "aliases", "domain"], "search_company_text"),
    ],
)
def test_postgresql_answers_a_search_from_its_full_text_index(model, fields, index):
    """The migration's index must be on exactly the expression search.py asks for, or every
    search reads the whole table."""
    from django.db import connection

    from warnings_app.models import Company
    from warnings_app.selectors.search import _full_text

    require_postgres("its full-text indexes")
    model = Company if model == "Company" else model
    query = _full_text(model.objects.all(), fields, "licence talks")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be read whole
        plan = query.explain()

    assert index in plan
