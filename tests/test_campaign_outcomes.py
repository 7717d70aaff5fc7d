"""The campaign outcome page: one row per first letter with status, last event, deadline, the
outcome and demand answers of the replies to it or its reminders; sorting, filtering, paging;
and the bulk actions (chase now, withdraw, hold, release), each all-or-nothing and audited."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.campaign_helpers import make_campaign
from tests.factories import UserFactory, make_notice
from warnings_app.models import AuditEvent, Campaign, Company, FollowUp, Notice, Response
from warnings_app.services import followups
from warnings_app.services.campaigns import campaign_generate
from warnings_app.services.classification import response_classify
from warnings_app.services.followups import followups_process, followups_schedule
from warnings_app.tasks import render_notice_task

pytestmark = pytest.mark.django_db


def _sent_campaign(*, companies: int = 3, tag: str = "wave-1", sent_days_ago: int = 2):
    """A campaign whose first letters went out `sent_days_ago` days ago (without SMTP: the
    delivery itself is tested elsewhere), with its ladder scheduled. Letters by reference."""
    campaign = make_campaign(companies=companies, tag=tag)
    campaign_generate(campaign=campaign, by=campaign.created_by)
    lawyer, now = UserFactory(role="Legal"), timezone.now()
    sent = now - timedelta(days=sent_days_ago)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.SENDING, approved_by=lawyer, approved_at=sent
    )
    Notice.objects.filter(campaign=campaign).update(
        status="sent",
        approved_by=lawyer,
        approved_at=sent,
        sent_at=sent,
        status_changed_at=sent,
        due_date=timezone.localdate() + timedelta(days=10),
    )
    notices = list(Notice.objects.filter(campaign=campaign).order_by("reference"))
    for notice in notices:
        followups_schedule(notice=notice)
    campaign.refresh_from_db()
    return campaign, notices


def _reply(notice, *, outcome=None, demands=None, days_ago=1, matched_by="manual"):
    reply = Response.objects.create(
        notice=notice,
        company=notice.company,
        channel="email",
        matched_by=matched_by,
        received_at=timezone.now() - timedelta(days=days_ago),
    )
    if outcome:
        response_classify(
            response=reply, by=UserFactory(role="Paralegal"), outcome=outcome, demands=demands
        )
    return reply


def _reminder(first):
    step = first.campaign.steps.get()
    return make_notice(
        company=first.company,
        template_version=step.template_version,
        campaign=first.campaign,
        ladder_step=step,
        follows=first,
    )


def _page(client, campaign, **params):
    return client.get(reverse("campaign_outcomes", args=[campaign.pk]), params)


def _references(response) -> list[str]:
    return re.findall(r'<tr data-reference="([^"]+)"', response.content.decode())


def _row(response, reference: str) -> str:
    body = response.content.decode()
    start = body.index(f'<tr data-reference="{reference}"')
    return body[start : body.index("</tr>", start)]


def _act(client, campaign, action, notices, **data):
    return client.post(
        reverse("campaign_outcomes_act", args=[campaign.pk]),
        {"action": action, "ids": [n.pk for n in notices], **data},
        follow=True,
    )


def _state(notices):
    """What a bulk action could change, to prove a refused one changed nothing."""
    ids = [n.pk for n in notices]
    return (
        list(Notice.objects.order_by("pk").values_list("pk", "status", "on_hold")),
        list(FollowUp.objects.filter(notice__in=ids).values_list("pk", "status", "due_at")),
        AuditEvent.objects.count(),
    )


# --- rows ---------------------------------------------------------------------------------


def test_each_row_shows_status_outcome_of_a_reminder_reply_demand_answers_and_next_step(client):
    campaign, (disputed, pending, silent) = _sent_campaign()
    reminder = _reminder(disputed)
    _reply(disputed, outcome="acknowledged", days_ago=5)
    _reply(
        reminder,
        outcome="disputes",
        demands={"undertaking": ("no", ""), "deletion": ("partial", "some")},
        days_ago=2,
    )
    _reply(reminder, days_ago=1)  # newer but unclassified: the classified answer stands
    _reply(pending)
    _reply(silent, matched_by="domain")  # only guessed from the domain: no answer yet
    Notice.objects.filter(pk=silent.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    client.force_login(UserFactory(role="Manager"))

    page = _page(client, campaign)

    assert page.status_code == 200
    assert _references(page) == [disputed.reference, pending.reference, silent.reference]
    assert reminder.reference not in _references(page)  # reminders are not rows of their own
    row = _row(page, disputed.reference)
    assert "Disputes" in row
    assert "Undertaking to stop: No" in row
    assert "Deletion of copies: Partial" in row
    assert "Responded" in row
    assert "Not yet classified" in _row(page, pending.reference)
    quiet = _row(page, silent.reference)
    assert "No reply yet" in quiet
    assert "overdue" in quiet
    assert f'href="{reverse("notice_detail", args=[silent.pk])}"' in quiet
    assert f'href="{reverse("company_detail", args=[silent.company_id])}"' in quiet
    step_due = timezone.localtime(FollowUp.objects.get(notice=silent).due_at)
    assert f"Reminder, {step_due:%-d %b %Y}" in quiet
    assert "Reminder," not in row  # the classification stopped the disputed letter's ladder
    assert "overdue" not in row


def test_the_last_event_is_when_the_status_last_changed(client):
    campaign, (first, *_rest) = _sent_campaign()
    when = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    Notice.objects.filter(pk=first.pk).update(status="delivered", status_changed_at=when)
    client.force_login(UserFactory(role="Paralegal"))

    row = _row(_page(client, campaign), first.reference)

    assert f"Delivered {timezone.localtime(when):%-d %b %Y %H:%M}" in row


# --- sorting and filtering ----------------------------------------------------------------


@pytest.fixture
def varied(client):
    """Three letters that differ in every sortable column."""
    campaign, (a, b, c) = _sent_campaign()
    _reply(c, outcome="requests_talks")  # c is now responded
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

    page = _page(client, campaign, sort=sort)

    assert _references(page) == [letters[x].reference for x in expected]


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

    page = _page(client, campaign, **params)

    assert page.status_code == 200
    assert _references(page) == [letters[x].reference for x in expected]


def test_free_text_finds_a_reference_and_on_hold_only_shows_held_letters(client, varied):
    campaign, a, b, c = varied
    Notice.objects.filter(pk=c.pk).update(on_hold=True)

    by_reference = _page(client, campaign, q=b.reference.lower())
    held = _page(client, campaign, on_hold="on")

    assert _references(by_reference) == [b.reference]
    assert _references(held) == [c.reference]


def test_bad_filter_input_is_explained_and_left_out_not_a_server_error(client, varied):
    campaign, a, b, c = varied

    page = _page(client, campaign, status="lost", jurisdiction="XX", segment="foundation_model")
    bad_page = _page(client, campaign, page="banana", sort="'; drop table")

    body = page.content.decode()
    assert page.status_code == 400
    assert "“lost” is not a letter status." in body
    assert "“XX” is not a jurisdiction this campaign wrote to." in body
    assert _references(page) == [a.reference]  # the valid filter still applies
    assert bad_page.status_code == 200
    assert _references(bad_page) == [a.reference, b.reference, c.reference]


def test_pages_of_fifty_keep_the_filters_and_sort_in_their_links(client, monkeypatch):
    monkeypatch.setattr("warnings_app.views.outcomes.PAGE_SIZE", 2)
    campaign, notices = _sent_campaign(companies=5)
    client.force_login(UserFactory(role="Paralegal"))

    first = _page(client, campaign, status="sent", sort="-reference")
    second = _page(client, campaign, status="sent", sort="-reference", page=2)

    assert 'href="?status=sent&amp;sort=-reference&amp;page=2"' in first.content.decode()
    assert _references(second) == [n.reference for n in reversed(notices)][2:4]


def test_the_page_takes_the_same_queries_for_3_or_30_letters_and_for_any_page(
    client, monkeypatch, django_assert_max_num_queries
):
    small, few = _sent_campaign(companies=3, tag="small")
    large, many = _sent_campaign(companies=30, tag="large")
    for notices in (few, many):
        _reply(notices[0], outcome="disputes", demands={"undertaking": ("no", "")})
        _reply(_reminder(notices[1]), outcome="other", demands={"deletion": ("yes", "")})
        Notice.objects.filter(pk=notices[2].pk).update(on_hold=True)
    client.force_login(UserFactory(role="Legal"))
    _page(client, small)  # warm up the session and permission caches alike for both
    monkeypatch.setattr("warnings_app.views.outcomes.PAGE_SIZE", 5)

    counts = {}
    for name, campaign, page in [("small", small, 1), ("large", large, 1), ("deep", large, 6)]:
        with CaptureQueriesContext(connection) as queries:
            response = _page(client, campaign, page=page, sort="-outcome")
        assert response.status_code == 200
        counts[name] = len(queries)
    with django_assert_max_num_queries(11):
        _page(client, large, page=3, sort="outcome", overdue="")

    assert counts["small"] == counts["large"] == counts["deep"], counts


# --- who sees what ------------------------------------------------------------------------


def test_only_those_who_may_act_see_checkboxes_and_only_their_actions(client):
    campaign, _notices = _sent_campaign()
    chaser = UserFactory()
    chaser.groups.add(_group_with("send_notice", "view_campaign"))

    seen = {}
    for role in ("Manager", "Paralegal", "Legal"):
        client.force_login(UserFactory(role=role))
        seen[role] = _page(client, campaign).content.decode()
    client.force_login(chaser)
    only_chase = _page(client, campaign).content.decode()

    for role in ("Manager", "Paralegal"):
        assert 'name="ids"' not in seen[role], role
        assert "With the chosen letters" not in seen[role], role
    assert seen["Legal"].count('name="ids"') == 3
    for label in ("Chase now", "Withdraw", "Put on hold", "Release hold"):
        assert f">{label}</option>" in seen["Legal"]
    assert ">Chase now</option>" in only_chase
    assert ">Withdraw</option>" not in only_chase
    assert ">Put on hold</option>" not in only_chase


def test_an_action_needs_its_own_permission(client):
    campaign, notices = _sent_campaign()
    holder = UserFactory()
    holder.groups.add(_group_with("change_notice", "view_campaign"))
    client.force_login(holder)
    before = _state(notices)

    chase = _act(client, campaign, "chase", notices[:1])
    withdraw = _act(client, campaign, "withdraw", notices[:1], reason="x")
    hold = _act(client, campaign, "hold", notices[:1], reason="client asked")

    assert (chase.status_code, withdraw.status_code) == (403, 403)
    assert hold.status_code == 200
    assert Notice.objects.get(pk=notices[0].pk).on_hold
    assert AuditEvent.objects.count() == before[2] + 1  # the hold, and nothing else


@pytest.mark.parametrize("role", ["Manager", "Paralegal", "Admin"])
def test_roles_without_any_action_permission_get_403_and_change_nothing(client, role):
    campaign, notices = _sent_campaign()
    client.force_login(UserFactory(role=role))
    before = _state(notices)

    responses = [
        _act(client, campaign, "hold", notices, reason="x"),
        _act(client, campaign, "chase", notices),
    ]

    assert [r.status_code for r in responses] == [403, 403]
    assert _state(notices) == before


def _group_with(*codenames):
    group = Group.objects.create(name="-".join(codenames))
    group.permissions.set(
        Permission.objects.filter(codename__in=codenames, content_type__app_label="warnings_app")
    )
    return group


# --- chase now ----------------------------------------------------------------------------


def test_chase_now_makes_the_next_reminder_at_once_and_it_follows_its_step(
    client, django_capture_on_commit_callbacks
):
    campaign, (a, b, c) = _sent_campaign()
    client.force_login(UserFactory(role="Legal"))
    later = FollowUp.objects.get(notice=a).due_at
    assert later > timezone.now()

    with django_capture_on_commit_callbacks() as callbacks:
        page = _act(client, campaign, "chase", [a, b])

    assert "2 reminder letter(s) made now" in page.content.decode()
    for notice in (a, b):
        step = FollowUp.objects.get(notice=notice)
        assert step.status == "done"
        assert step.due_at < later
        assert step.result_notice.follows_id == notice.pk
    assert FollowUp.objects.get(notice=c).status == "scheduled"
    chased = AuditEvent.objects.filter(verb="notice.chased")
    assert sorted(chased.values_list("target_repr", flat=True)) == [a.reference, b.reference]
    assert chased.first().data["step"] == "Reminder"
    assert len(callbacks) == 2  # a render task for each reminder, published after commit
    reminder = Notice.objects.get(follows=a)
    render_notice_task(reminder.pk)
    reminder.refresh_from_db()
    # The step needs no approval of its own: approved by the campaign's approver and queued.
    assert (reminder.status, reminder.approved_by_id) == ("queued", campaign.approved_by_id)


def test_chase_now_refuses_all_if_one_letter_cannot_be_chased(client):
    campaign, (a, b, c) = _sent_campaign()
    FollowUp.objects.filter(notice=b).update(status="done", processed_at=timezone.now())
    Notice.objects.filter(pk=c.pk).update(on_hold=True)
    client.force_login(UserFactory(role="Legal"))
    before = _state([a, b, c])

    page = _act(client, campaign, "chase", [a, b, c])

    body = page.content.decode()
    assert "Nothing was changed" in body
    assert f"{b.reference}: no ladder step is left to chase with" in body
    assert f"{c.reference}: the notice is on hold" in body
    assert a.reference + ":" not in body
    assert _state([a, b, c]) == before
    assert not Notice.objects.filter(follows=a).exists()


def test_chase_now_refuses_an_answered_letter_and_one_whose_reminder_is_not_sent_yet(client):
    campaign, (a, b, c) = _sent_campaign()
    Response.objects.create(
        notice=a, company=a.company, channel="letter", received_at=timezone.now()
    )
    reminder = _reminder(b)
    client.force_login(UserFactory(role="Legal"))
    before = _state([a, b, c])

    body = _act(client, campaign, "chase", [a, b, c]).content.decode()

    assert f"{a.reference}: a reply was logged" in body
    assert f"{b.reference}: its reminder {reminder.reference} is not sent yet (draft)" in body
    assert _state([a, b, c]) == before


# --- withdraw -----------------------------------------------------------------------------


def test_withdraw_takes_back_unsent_letters_with_the_reason_and_stops_their_ladder(client):
    campaign, (a, b, c) = _sent_campaign()
    Notice.objects.filter(pk__in=[a.pk, b.pk]).update(status="queued")  # e.g. a retry
    client.force_login(UserFactory(role="Legal"))

    page = _act(client, campaign, "withdraw", [a, b], reason="settled by phone")

    assert "2 letter(s) withdrawn" in page.content.decode()
    assert set(Notice.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        "withdrawn"
    }
    for notice in (a, b):
        step = FollowUp.objects.get(notice=notice)
        assert step.status == "cancelled"
        assert step.cancelled_reason == "the letter was withdrawn: settled by phone"
    events = AuditEvent.objects.filter(verb="notice.withdraw")
    assert {e.data["reason"] for e in events} == {"settled by phone"}
    assert events.count() == 2
    assert AuditEvent.objects.filter(verb="followup.stopped").count() == 2
    assert FollowUp.objects.get(notice=c).status == "scheduled"


def test_withdraw_refuses_all_if_one_letter_has_gone_out_and_needs_a_reason(client):
    campaign, (a, b, c) = _sent_campaign()
    Notice.objects.filter(pk=a.pk).update(status="approved")
    client.force_login(UserFactory(role="Legal"))
    before = _state([a, b, c])

    refused = _act(client, campaign, "withdraw", [a, b], reason="no longer needed")
    no_reason = _act(client, campaign, "withdraw", [a], reason="  ")

    body = refused.content.decode()
    assert (
        f"{b.reference}: it is sent; only draft, rendered, approved or queued letters can be "
        "withdrawn" in body
    )
    assert a.reference + ":" not in body
    assert "Say why (withdraw)." in no_reason.content.decode()
    assert _state([a, b, c]) == before


# --- hold and release ---------------------------------------------------------------------


def test_hold_and_release_are_audited_and_shown_with_the_reason(client):
    campaign, (a, b, c) = _sent_campaign()
    client.force_login(UserFactory(role="Legal"))

    held = _act(client, campaign, "hold", [a, b], reason="licence talks")
    released = _act(client, campaign, "release", [b])

    assert "2 letter(s) put on hold" in held.content.decode()
    assert "1 letter(s) released from hold" in released.content.decode()
    assert list(Notice.objects.order_by("reference").values_list("on_hold", flat=True)) == [
        True,
        False,
        False,
    ]
    assert {e.target_repr: e.data for e in AuditEvent.objects.filter(verb="notice.held")} == {
        a.reference: {"reason": "licence talks"},
        b.reference: {"reason": "licence talks"},
    }
    assert [e.target_repr for e in AuditEvent.objects.filter(verb="notice.hold_released")] == [
        b.reference
    ]
    row = _row(_page(client, campaign), a.reference)
    assert "on hold" in row
    assert "licence talks" in row


def test_hold_and_release_refuse_all_if_one_letter_cannot_take_them(client):
    campaign, (a, b, c) = _sent_campaign()
    Notice.objects.filter(pk=b.pk).update(on_hold=True)
    Notice.objects.filter(pk=c.pk).update(status="withdrawn")
    client.force_login(UserFactory(role="Legal"))
    before = _state([a, b, c])

    hold = _act(client, campaign, "hold", [a, b, c], reason="talks").content.decode()
    release = _act(client, campaign, "release", [a, b]).content.decode()
    no_reason = _act(client, campaign, "hold", [a]).content.decode()

    assert f"{b.reference}: it is already on hold" in hold
    assert f"{c.reference}: it is withdrawn; only a sent letter awaiting an answer" in hold
    assert f"{a.reference}: it is not on hold" in release
    assert "Say why (put on hold)." in no_reason
    assert _state([a, b, c]) == before


def test_a_held_letters_step_stays_scheduled_and_runs_after_release(client):
    campaign, (a, b, c) = _sent_campaign()
    client.force_login(UserFactory(role="Legal"))
    _act(client, campaign, "hold", [a], reason="talks")
    due = FollowUp.objects.get(notice=a).due_at + timedelta(minutes=1)

    while_held = followups_process(now=due)
    step = FollowUp.objects.get(notice=a)
    _act(client, campaign, "release", [a])
    after_release = followups_process(now=due + timedelta(days=1))

    assert while_held == {"letters": 2, "handoffs": 0, "stopped": 0}  # b and c went on
    assert (step.status, step.cancelled_reason) == ("scheduled", "")
    assert after_release == {"letters": 1, "handoffs": 0, "stopped": 0}
    assert FollowUp.objects.get(notice=a).status == "done"
    assert Notice.objects.filter(follows=a).count() == 1


def test_held_steps_do_not_crowd_out_others_from_a_batch(monkeypatch):
    campaign, (a, b, c) = _sent_campaign()
    Notice.objects.filter(pk__in=[a.pk, b.pk]).update(on_hold=True)
    # The held steps fall due first; the batch of one must still reach c's.
    FollowUp.objects.filter(notice=c).update(due_at=F("due_at") + timedelta(hours=1))
    monkeypatch.setattr(followups, "BATCH", 1)
    due = FollowUp.objects.order_by("due_at").last().due_at + timedelta(minutes=1)

    result = followups_process(now=due)

    assert result["letters"] == 1
    assert FollowUp.objects.get(notice=c).status == "done"
    assert followups.ladder_stop_reason(Notice.objects.get(pk=a.pk)) == "the notice is on hold"


def test_a_reminder_made_before_the_hold_is_not_sent_on_its_own(client):
    campaign, (a, _b, _c) = _sent_campaign()
    followups_process(now=FollowUp.objects.get(notice=a).due_at + timedelta(minutes=1))
    client.force_login(UserFactory(role="Legal"))
    _act(client, campaign, "hold", [a], reason="talks")
    reminder = Notice.objects.get(follows=a)

    render_notice_task(reminder.pk)

    reminder.refresh_from_db()
    assert reminder.status == "rendered"
    assert reminder.problem == "not sent: the notice is on hold"
