"""The campaign outcome page: one row per first letter with status, last event, deadline, the
outcome and demand answers of the replies to it or its reminders; sorting, filtering, paging.
The bulk actions: test_campaign_actions."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.outcome_helpers import (
    add_reply,
    outcomes_page,
    reminder_of,
    row_html,
    row_references,
    sent_campaign,
)
from warnings_app.models import Company, FollowUp, Notice

pytestmark = pytest.mark.django_db


# --- rows ---------------------------------------------------------------------------------


def test_each_row_shows_status_outcome_of_a_reminder_reply_demand_answers_and_next_step(client):
    campaign, (disputed, pending, silent) = sent_campaign()
    reminder = reminder_of(disputed)
    add_reply(disputed, outcome="acknowledged", days_ago=5)
    add_reply(
        reminder,
        outcome="disputes",
        demands={"undertaking": ("no", ""), "deletion": ("partial", "some")},
        days_ago=2,
    )
    add_reply(reminder, days_ago=1)  # newer but unclassified: the classified answer stands
    add_reply(pending)
    add_reply(silent, matched_by="domain")  # only guessed from the domain: no answer yet
    Notice.objects.filter(pk=silent.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    client.force_login(UserFactory(role="Manager"))

    page = outcomes_page(client, campaign)

    assert page.status_code == 200
    assert row_references(page) == [disputed.reference, pending.reference, silent.reference]
    assert reminder.reference not in row_references(page)  # reminders are not rows of their own
    row = row_html(page, disputed.reference)
    assert "Disputes" in row
    assert "Undertaking to stop: No" in row
    assert "Deletion of copies: Partial" in row
    assert "Responded" in row
    assert "Not yet classified" in row_html(page, pending.reference)
    quiet = row_html(page, silent.reference)
    assert "No reply yet" in quiet
    assert "overdue" in quiet
    assert f'href="{reverse("notice_detail", args=[silent.pk])}"' in quiet
    assert f'href="{reverse("company_detail", args=[silent.company_id])}"' in quiet
    step_due = timezone.localtime(FollowUp.objects.get(notice=silent).due_at)
    assert f"Reminder, {step_due:%-d %b %Y}" in quiet
    assert "Reminder," not in row  # the classification stopped the disputed letter's ladder
    assert "overdue" not in row


def test_the_last_event_is_when_the_status_last_changed(client):
    campaign, (first, *_rest) = sent_campaign()
    when = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    Notice.objects.filter(pk=first.pk).update(status="delivered", status_changed_at=when)
    client.force_login(UserFactory(role="Paralegal"))

    row = row_html(outcomes_page(client, campaign), first.reference)

    assert f"Delivered {timezone.localtime(when):%-d %b %Y %H:%M}" in row


# --- sorting and filtering ----------------------------------------------------------------


@pytest.fixture
def varied(client):
    """Three letters that differ in every sortable column."""
    campaign, (a, b, c) = sent_campaign()
    add_reply(c, outcome="requests_talks")  # c is now responded
    today = timezone.localdate()
    facts = {
        a: ("Zeta Audio", "DE", "foundation_model", "delivered", today + timedelta(days=3)),
        b: ("Alpha Sound", "FR", "generative_music", "sent", today - timedelta(days=2)),
        c: ("Mu Voices", "AT", "voice_cloning", "responded", today + timedelta(days=9)),
    }
    for offset, (notice, (name, country, segment, status, due)) in enumerate(facts.items()):
        Company.objects.filter(pk=notice.company_id).update(
            legal_name=name, country=country, segment=segment
        )
        Notice.objects.filter(pk=notice.pk).update(
            status=status,
            due_date=due,
            status_changed_at=timezone.now() - timedelta(hours=offset),
        )
    client.force_login(UserFactory(role="Paralegal"))
    return campaign, a, b, c


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("reference", "abc"),
        ("-reference", "cba"),
        ("company", "bca"),
        ("-company", "acb"),
        ("jurisdiction", "cab"),
        ("status", "bac"),  # in lifecycle order: sent, delivered, responded
        ("-last_event", "abc"),
        ("last_event", "cba"),
        ("due_date", "bac"),
        ("-due_date", "cab"),
        ("outcome", "abc"),  # no reply yet first, tie broken by reference
        ("-outcome", "cab"),
        ("no-such-column", "abc"),
        ("", "abc"),
    ],
)
def test_rows_sort_by_each_column_both_ways(client, varied, sort, expected):
    campaign, a, b, c = varied
    letters = {"a": a, "b": b, "c": c}

    page = outcomes_page(client, campaign, sort=sort)

    assert row_references(page) == [letters[x].reference for x in expected]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "delivered"}, "a"),
        ({"outcome": "none"}, "ab"),
        ({"outcome": "requests_talks"}, "c"),
        ({"segment": "generative_music"}, "b"),
        ({"jurisdiction": "AT"}, "c"),
        ({"overdue": "1"}, "b"),
        ({"q": "alpha"}, "b"),
        ({"q": "zeta", "status": "sent"}, ""),
    ],
)
def test_rows_filter_by_each_criterion(client, varied, params, expected):
    campaign, a, b, c = varied
    letters = {"a": a, "b": b, "c": c}

    page = outcomes_page(client, campaign, **params)

    assert page.status_code == 200
    assert row_references(page) == [letters[x].reference for x in expected]


def test_free_text_finds_a_reference_and_on_hold_only_shows_held_letters(client, varied):
    campaign, _a, b, c = varied
    Notice.objects.filter(pk=c.pk).update(on_hold=True)

    by_reference = outcomes_page(client, campaign, q=b.reference.lower())
    held = outcomes_page(client, campaign, on_hold="on")

    assert row_references(by_reference) == [b.reference]
    assert row_references(held) == [c.reference]


def test_bad_filter_input_is_explained_and_left_out_not_a_server_error(client, varied):
    campaign, a, b, c = varied

    page = outcomes_page(
        client, campaign, status="lost", jurisdiction="XX", segment="foundation_model"
    )
    bad_page = outcomes_page(client, campaign, page="banana", sort="'; drop table")

    body = page.content.decode()
    assert page.status_code == 400
    assert "“lost” is not a letter status." in body
    assert "“XX” is not a jurisdiction this campaign wrote to." in body
    assert row_references(page) == [a.reference]  # the valid filter still applies
    assert bad_page.status_code == 200
    assert row_references(bad_page) == [a.reference, b.reference, c.reference]


def test_pages_of_fifty_keep_the_filters_and_sort_in_their_links(client, monkeypatch):
    monkeypatch.setattr("warnings_app.views.outcomes.PAGE_SIZE", 2)
    campaign, notices = sent_campaign(companies=5)
    client.force_login(UserFactory(role="Paralegal"))

    first = outcomes_page(client, campaign, status="sent", sort="-reference")
    second = outcomes_page(client, campaign, status="sent", sort="-reference", page=2)

    assert 'href="?status=sent&amp;sort=-reference&amp;page=2"' in first.content.decode()
    assert row_references(second) == [n.reference for n in reversed(notices)][2:4]


def test_the_page_takes_the_same_queries_for_3_or_30_letters_and_for_any_page(
    client, monkeypatch, django_assert_max_num_queries
):
    small, few = sent_campaign(companies=3, tag="small")
    large, many = sent_campaign(companies=30, tag="large")
    for notices in (few, many):
        add_reply(notices[0], outcome="disputes", demands={"undertaking": ("no", "")})
        add_reply(reminder_of(notices[1]), outcome="other", demands={"deletion": ("yes", "")})
        Notice.objects.filter(pk=notices[2].pk).update(on_hold=True)
    client.force_login(UserFactory(role="Legal"))
    outcomes_page(client, small)  # warm up the session and permission caches alike for both
    monkeypatch.setattr("warnings_app.views.outcomes.PAGE_SIZE", 5)

    counts = {}
    for name, campaign, page in [("small", small, 1), ("large", large, 1), ("deep", large, 6)]:
        with CaptureQueriesContext(connection) as queries:
            response = outcomes_page(client, campaign, page=page, sort="-outcome")
        assert response.status_code == 200
        counts[name] = len(queries)
    with django_assert_max_num_queries(11):
        outcomes_page(client, large, page=3, sort="outcome", overdue="")

    assert counts["small"] == counts["large"] == counts["deep"], counts
