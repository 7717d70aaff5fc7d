"""Ids from outside that cannot be ids: past the bigint range (2**63 and up), thousands of digits,
zero, text. Every entry point answers them as a client error, with the one message of
warnings_app/forms/ids.py, and changes nothing. Here the rule, the page forms, the bulk actions,
the query strings of the pages and every URL that carries an id; the API's bodies and filters are
in tests/test_oversized_ids_api.py. Before, many of these reached the database driver
(OverflowError on SQLite) or int() with thousands of digits, and the answer was a 500."""

import html
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

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
    messages_of,
    refusal,
    rendered_letters,
)
from tests.outcome_helpers import sent_campaign
from tests.preference_factories import artist_with_works, make_link
from warnings_app.forms.ids import MAX_ID, parse_id
from warnings_app.models import Response

pytestmark = pytest.mark.django_db


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "expected"), [(1, 1), ("42", 42), (" 7 ", 7), (MAX_ID, MAX_ID)])
def test_an_id_is_a_whole_number_from_1_to_the_bigint_maximum(given, expected):
    assert parse_id(given) == expected


@pytest.mark.parametrize(
    "given",
    [0, -1, PAST_BIGINT, HUGE, THOUSANDS_OF_DIGITS, "", "abc", "4.0", "٣", "7%d", True, 1.0, None],
)
def test_anything_else_is_refused_with_the_value_and_the_rule(given):
    with pytest.raises(ValidationError) as refused:
        parse_id(given)

    assert refused.value.messages == [refusal(given)]


# --- page forms ---------------------------------------------------------------------------------


def _campaign_form(**changes) -> dict:
    return {
        "name": "Oversized",
        "template_version": TemplateVersionFactory().pk,
        "principals": [PrincipalFactory().pk],
        "works": [WorkFactory().pk],
        "domains": CompanyFactory().domain,
        "response_window_days": 15,
        "channels": ["email"],
        "step-TOTAL_FORMS": 1,
        "step-INITIAL_FORMS": 0,
        "step-0-action": "letter",
        **changes,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("principals", [str(PAST_BIGINT)]),
        ("works", [str(HUGE)]),
        ("works", [THOUSANDS_OF_DIGITS]),
        ("template_version", str(PAST_BIGINT)),
        ("step-0-template_version", str(HUGE)),
    ],
)
def test_the_campaign_form_refuses_an_oversized_id_and_creates_nothing(client, field, value):
    client.force_login(UserFactory(role="Legal"))
    data = _campaign_form(**{field: value})
    before = everything()

    response = client.post(reverse("campaign_create"), data)

    assert response.status_code == 400
    first = value[0] if isinstance(value, list) else value
    assert refusal(first) in response.content.decode()
    assert everything() == before


# --- bulk actions -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [str(PAST_BIGINT), THOUSANDS_OF_DIGITS, "0"])
def test_an_outcome_bulk_action_with_an_oversized_id_changes_nothing(client, bad):
    campaign, notices = sent_campaign()
    client.force_login(UserFactory(role="Legal"))
    before = everything()

    response = client.post(
        reverse("campaign_outcomes_act", args=[campaign.pk]),
        {"action": "hold", "reason": "checking", "ids": [notices[0].pk, bad]},
        follow=True,
    )

    assert response.redirect_chain[0][1] == 302
    assert response.status_code == 200
    assert f"Nothing was changed: {refusal(bad)}" in messages_of(response)
    assert everything() == before


@pytest.mark.parametrize("bad", [str(HUGE), THOUSANDS_OF_DIGITS])
def test_a_work_queue_bulk_action_with_an_oversized_id_changes_nothing(client, bad):
    notice = make_notice()
    reply = Response.objects.create(
        notice=notice, company=notice.company, channel="email", received_at=timezone.now()
    )
    client.force_login(UserFactory(role="Paralegal"))
    before = everything()

    response = client.post(
        reverse("work_queue_act"),
        {"action": "classify", "outcome": "acknowledged", "ids": [reply.pk, bad]},
        follow=True,
    )

    assert f"Nothing was changed: {refusal(bad)}" in messages_of(response)
    assert everything() == before


def test_approving_chosen_letters_with_an_oversized_id_approves_none(client):
    campaign = make_campaign(companies=2)
    [first, _second] = rendered_letters(campaign)
    client.force_login(UserFactory(role="Legal"))
    before = everything()

    response = client.post(
        reverse("campaign_approve", args=[campaign.pk]),
        {"notice": [first.pk, PAST_BIGINT]},
        follow=True,
    )

    assert f"Nothing was approved: {refusal(PAST_BIGINT)}" in messages_of(response)
    assert everything() == before


def test_a_print_batch_for_an_oversized_campaign_id_prepares_nothing(client):
    client.force_login(UserFactory(role="Paralegal"))
    before = everything()

    response = client.post(
        reverse("printbatch_list"),
        {"channel": "post", "campaign": THOUSANDS_OF_DIGITS},
        follow=True,
    )

    assert f"Nothing was prepared: {refusal(THOUSANDS_OF_DIGITS)}" in messages_of(response)
    assert everything() == before


@pytest.mark.parametrize("work", [str(PAST_BIGINT), THOUSANDS_OF_DIGITS])
def test_the_artists_page_refuses_a_posted_work_with_an_oversized_id(work):
    artist, works = artist_with_works()
    link, token = make_link(artist)
    answer = {
        "preference": "reserved",
        "name": "Mara Quill",
        "email": "mara@artists.example",
        **{f"work_{w.pk}": "same" for w in works},
        f"work_{work}": "reserved",
    }
    before = everything()

    response = Client().post(
        reverse("artist_choice_confirm", args=[artist.pk, token]),
        urlencode(answer),  # as a browser posts it (multipart refuses so long a field name)
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    shown = work if len(work) <= 20 else work[:20] + "…"
    assert f"Work {shown} is not one of Mara Quill" in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is None
    assert everything() == before


# --- query strings of the pages -----------------------------------------------------------------


@pytest.mark.parametrize("value", [str(PAST_BIGINT), THOUSANDS_OF_DIGITS])
def test_the_dashboard_and_the_exports_refuse_an_oversized_campaign_filter(client, value):
    client.force_login(UserFactory(role="Legal"))

    dashboard = client.get(reverse("dashboard"), {"campaign": value})
    export = client.get(reverse("export", args=["notices", "csv"]), {"campaign": value})

    assert dashboard.status_code == 400
    assert refusal(value) in dashboard.content.decode()
    assert export.status_code == 400
    assert "The export was not made" in export.content.decode()
    assert refusal(value) in html.unescape(export.content.decode())


@pytest.mark.parametrize("cursor", ["before", "after"])
@pytest.mark.parametrize("value", [str(PAST_BIGINT), THOUSANDS_OF_DIGITS, "abc"])
def test_the_audit_log_refuses_a_page_link_whose_event_id_cannot_be_one(client, cursor, value):
    client.force_login(UserFactory(role="Legal"))

    response = client.get(reverse("audit_log"), {cursor: value})

    assert response.status_code == 400
    assert f"{cursor.capitalize()}: {refusal(value)}" in response.content.decode()


# --- ids in URLs --------------------------------------------------------------------------------

# What the other parts of a route are given while its id is oversized.
OTHER_PARTS = {"token": "not-a-token", "kind": "robots.txt", "page": 1}
STAND_IN = 314159265


def _routes_with_ids(patterns=None, namespace=""):
    """(URL name, names of its id parts, its other parts) of every page and API route that
    takes an id, from the URL configuration itself, so a new route is covered without a list."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                inner = entry.namespace or namespace
                yield from _routes_with_ids(entry.url_patterns, inner)
            continue
        assert isinstance(entry, URLPattern)
        parts = list(entry.pattern.regex.groupindex)
        ids = [p for p in parts if p == "pk" or p.endswith("_pk") or p == "version"]
        if entry.name and ids and "format" not in parts:
            others = [p for p in parts if p not in ids]
            yield f"{namespace}:{entry.name}" if namespace else entry.name, ids, others


def test_every_route_with_an_id_in_its_url_is_found():
    assert len(list(_routes_with_ids())) > 50


@pytest.mark.parametrize("value", [PAST_BIGINT, THOUSANDS_OF_DIGITS])
def test_every_url_with_an_oversized_id_is_404_for_get_and_post(value):
    client = Client(raise_request_exception=False)
    superuser = UserFactory(is_superuser=True)  # past every permission check
    client.force_login(superuser)
    # A superuser always gives a second factor: this session has passed it.
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    answers = {}

    for name, ids, others in _routes_with_ids():
        # Reversed with a stand-in, then swapped: some routes would not reverse the value itself.
        parts = {**dict.fromkeys(ids, STAND_IN), **{p: OTHER_PARTS[p] for p in others}}
        url = reverse(name, kwargs=parts).replace(str(STAND_IN), str(value))
        answers[name] = {client.get(url).status_code, client.post(url).status_code}

    # 405 where the route does not take that method; never anything but 404 otherwise.
    wrong = {name: codes for name, codes in answers.items() if codes not in ({404}, {404, 405})}
    assert wrong == {}
