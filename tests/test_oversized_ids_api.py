"""The API's entry points given ids that cannot be ids (see tests/test_oversized_ids.py): the
bodies that name rows and the filters by id answer 400 with the one message and change nothing."""

import pytest

from tests.api_helpers import api_client, reply_body
from tests.campaign_helpers import make_campaign
from tests.factories import (
    CompanyFactory,
    PrincipalFactory,
    TemplateVersionFactory,
    UserFactory,
    WorkFactory,
    make_notice,
)
from tests.id_helpers import (
    HUGE,
    PAST_BIGINT,
    THOUSANDS_OF_DIGITS,
    everything,
    refusal,
    rendered_letters,
)
from warnings_app.forms.ids import MAX_ID

pytestmark = pytest.mark.django_db


# --- the API: bodies ----------------------------------------------------------------------------


def _campaign_body(**changes) -> dict:
    body = {
        "name": "Oversized",
        "template_version": TemplateVersionFactory().pk,
        "principals": [PrincipalFactory().pk],
        "works": [WorkFactory().pk],
        "channels": ["email"],
        "recipient_filter": {"company_ids": [CompanyFactory().pk]},
        "steps": [],
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    ("change", "where", "bad"),
    [
        (
            {"recipient_filter": {"company_ids": [1, PAST_BIGINT]}},
            ["recipient_filter", "company_ids", "1"],
            PAST_BIGINT,
        ),
        (
            {"recipient_filter": {"company_ids": [HUGE]}},
            ["recipient_filter", "company_ids", "0"],
            HUGE,
        ),
        ({"principals": [PAST_BIGINT]}, ["principals"], PAST_BIGINT),
        ({"works": [HUGE]}, ["works"], HUGE),
        ({"template_version": PAST_BIGINT}, ["template_version"], PAST_BIGINT),
        (
            {
                "steps": [
                    {
                        "name": "R",
                        "offset_business_days": 5,
                        "action": "letter",
                        "template_version": HUGE,
                    }
                ]
            },
            ["steps", "0", "template_version"],
            HUGE,
        ),
    ],
)
def test_api_campaign_with_an_oversized_id_is_400_and_creates_nothing(change, where, bad):
    legal = api_client(UserFactory(role="Legal"))
    body = _campaign_body(**change)
    before = everything()

    response = legal.post("/api/v1/campaigns/", body, format="json")

    assert response.status_code == 400
    errors = response.json()
    for key in where:
        errors = errors[key]
    assert errors == [refusal(bad)]
    assert everything() == before


def test_api_approve_with_an_oversized_notice_id_is_400_and_approves_nothing():
    campaign = make_campaign(companies=2)
    legal = api_client(UserFactory(role="Legal"))
    [first, _second] = rendered_letters(campaign)
    before = everything()

    response = legal.post(
        f"/api/v1/campaigns/{campaign.pk}/approve/",
        {"notices": [first.pk, PAST_BIGINT]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"notices": {"1": [refusal(PAST_BIGINT)]}}
    assert everything() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/replies/", {"notice": HUGE}),
        ("/api/v1/replies/", {"notice": None, "company": PAST_BIGINT}),
        ("/api/v1/companies/", {"legal_name": "Zed Ltd", "country": "DE", "parent": HUGE}),
        ("/api/v1/contacts/", {"company": PAST_BIGINT, "name": "Legal", "email": "a@b.example"}),
    ],
)
def test_api_bodies_naming_a_row_by_an_oversized_id_are_400_and_change_nothing(path, body):
    legal = api_client(UserFactory(role="Legal"))
    full = {**reply_body(make_notice()), **body} if "replies" in path else body
    [(field, value)] = [(k, v) for k, v in body.items() if v in (HUGE, PAST_BIGINT)]
    before = everything()

    response = legal.post(path, full, format="json")

    assert response.status_code == 400
    assert response.json()[field] == [refusal(value)]
    assert everything() == before


# --- the API: query parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "notices/?campaign=",
        "notices/?company=",
        "companies/?parent=",
        "contacts/?company=",
        "works/?principal=",
        "template-versions/?template=",
        "deliveries/?notice=",
        "replies/?notice=",
        "replies/?company=",
        "figures/?campaign=",
    ],
)
@pytest.mark.parametrize("value", [PAST_BIGINT, THOUSANDS_OF_DIGITS, 0])
def test_api_filters_by_an_id_refuse_what_cannot_be_one_with_400(query, value):
    legal = api_client(UserFactory(role="Legal"))

    response = legal.get(f"/api/v1/{query}{value}")

    assert response.status_code == 400
    name = query.split("?")[1].rstrip("=")
    assert response.json() == {name: [refusal(value)]}


def test_api_filter_quotes_a_refused_value_as_given_even_with_a_percent_sign():
    legal = api_client(UserFactory(role="Legal"))

    response = legal.get("/api/v1/companies/", {"parent": "7%d", "page_size": 7})

    assert response.status_code == 400
    assert response.json() == {"parent": [refusal("7%d")]}


def test_api_filter_by_an_id_in_range_that_names_nothing_is_an_empty_list():
    legal = api_client(UserFactory(role="Legal"))

    response = legal.get(f"/api/v1/notices/?campaign={MAX_ID}")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_api_page_size_of_thousands_of_digits_gives_the_largest_page():
    make_notice()
    legal = api_client(UserFactory(role="Legal"))

    response = legal.get(f"/api/v1/notices/?page_size={THOUSANDS_OF_DIGITS}")

    assert response.status_code == 200
    assert response.json()["count"] == 1
