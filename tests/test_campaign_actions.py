"""The campaign outcome page's bulk actions: chase now, withdraw, hold and release. Who sees
them, each needing its own permission, each all-or-nothing and audited."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from tests.factories import UserFactory
from tests.outcome_helpers import (
    bulk_act,
    group_with,
    outcomes_page,
    reminder_of,
    row_html,
    sent_campaign,
    state_of,
)
from warnings_app.models import AuditEvent, FollowUp, Notice, Response
from warnings_app.services import followups
from warnings_app.services.followups import followups_process
from warnings_app.tasks import render_notice_task

pytestmark = pytest.mark.django_db


# --- who sees what ------------------------------------------------------------------------


def test_only_those_who_may_act_see_checkboxes_and_only_their_actions(client):
    campaign, _notices = sent_campaign()
    chaser = UserFactory()
    chaser.groups.add(group_with("send_notice", "view_campaign"))

    seen = {}
    for role in ("Manager", "Paralegal", "Legal"):
        client.force_login(UserFactory(role=role))
        seen[role] = outcomes_page(client, campaign).content.decode()
    client.force_login(chaser)
    only_chase = outcomes_page(client, campaign).content.decode()

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
    campaign, notices = sent_campaign()
    holder = UserFactory()
    holder.groups.add(group_with("change_notice", "view_campaign"))
    client.force_login(holder)
    before = state_of(notices)

    chase = bulk_act(client, campaign, "chase", notices[:1])
    withdraw = bulk_act(client, campaign, "withdraw", notices[:1], reason="x")
    hold = bulk_act(client, campaign, "hold", notices[:1], reason="client asked")

    assert (chase.status_code, withdraw.status_code) == (403, 403)
    assert hold.status_code == 200
    assert Notice.objects.get(pk=notices[0].pk).on_hold
    assert state_of(notices)[2] == before[2] + 1  # the hold, and nothing else


@pytest.mark.parametrize("role", ["Manager", "Paralegal", "Admin"])
def test_roles_without_any_action_permission_get_403_and_change_nothing(client, role):
    campaign, notices = sent_campaign()
    client.force_login(UserFactory(role=role))
    before = state_of(notices)

    responses = [
        bulk_act(client, campaign, "hold", notices, reason="x"),
        bulk_act(client, campaign, "chase", notices),
    ]

    assert [r.status_code for r in responses] == [403, 403]
    assert state_of(notices) == before


# --- chase now ----------------------------------------------------------------------------


def test_chase_now_makes_the_next_reminder_at_once_and_it_follows_its_step(
    client, django_capture_on_commit_callbacks
):
    campaign, (a, b, c) = sent_campaign()
    client.force_login(UserFactory(role="Legal"))
    later = FollowUp.objects.get(notice=a).due_at
    assert later > timezone.now()

    with django_capture_on_commit_callbacks() as callbacks:
        page = bulk_act(client, campaign, "chase", [a, b])

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
    campaign, (a, b, c) = sent_campaign()
    FollowUp.objects.filter(notice=b).update(status="done", processed_at=timezone.now())
    Notice.objects.filter(pk=c.pk).update(on_hold=True)
    client.force_login(UserFactory(role="Legal"))
    before = state_of([a, b, c])

    page = bulk_act(client, campaign, "chase", [a, b, c])

    body = page.content.decode()
    assert "Nothing was changed" in body
    assert f"{b.reference}: no ladder step is left to chase with" in body
    assert f"{c.reference}: the notice is on hold" in body
    assert a.reference + ":" not in body
    assert state_of([a, b, c]) == before
    assert not Notice.objects.filter(follows=a).exists()


def test_chase_now_refuses_an_answered_letter_and_one_whose_reminder_is_not_sent_yet(client):
    campaign, (a, b, c) = sent_campaign()
    Response.objects.create(
        notice=a, company=a.company, channel="letter", received_at=timezone.now()
    )
    reminder = reminder_of(b)
    client.force_login(UserFactory(role="Legal"))
    before = state_of([a, b, c])

    body = bulk_act(client, campaign, "chase", [a, b, c]).content.decode()

    assert f"{a.reference}: a reply was logged" in body
    assert f"{b.reference}: its reminder {reminder.reference} is not sent yet (draft)" in body
    assert state_of([a, b, c]) == before


# --- withdraw -----------------------------------------------------------------------------


def test_withdraw_takes_back_unsent_letters_with_the_reason_and_stops_their_ladder(client):
    campaign, (a, b, c) = sent_campaign()
    Notice.objects.filter(pk__in=[a.pk, b.pk]).update(status="queued")  # e.g. a retry
    client.force_login(UserFactory(role="Legal"))

    page = bulk_act(client, campaign, "withdraw", [a, b], reason="settled by phone")

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
    campaign, (a, b, c) = sent_campaign()
    Notice.objects.filter(pk=a.pk).update(status="approved")
    client.force_login(UserFactory(role="Legal"))
    before = state_of([a, b, c])

    refused = bulk_act(client, campaign, "withdraw", [a, b], reason="no longer needed")
    no_reason = bulk_act(client, campaign, "withdraw", [a], reason="  ")

    body = refused.content.decode()
    assert (
        f"{b.reference}: it is sent; only draft, rendered, approved or queued letters can be "
        "withdrawn" in body
    )
    assert a.reference + ":" not in body
    assert "Say why (withdraw)." in no_reason.content.decode()
    assert state_of([a, b, c]) == before


# --- hold and release ---------------------------------------------------------------------


def test_hold_and_release_are_audited_and_shown_with_the_reason(client):
    campaign, (a, b, _c) = sent_campaign()
    client.force_login(UserFactory(role="Legal"))

    held = bulk_act(client, campaign, "hold", [a, b], reason="licence talks")
    released = bulk_act(client, campaign, "release", [b])

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
    row = row_html(outcomes_page(client, campaign), a.reference)
    assert "on hold" in row
    assert "licence talks" in row
    # The reason is the letter's own state, not something read back from the audit log.
    assert list(Notice.objects.order_by("reference").values_list("hold_reason", flat=True)) == [
        "licence talks",
        "",
        "",
    ]


def test_hold_and_release_refuse_all_if_one_letter_cannot_take_them(client):
    campaign, (a, b, c) = sent_campaign()
    Notice.objects.filter(pk=b.pk).update(on_hold=True)
    Notice.objects.filter(pk=c.pk).update(status="withdrawn")
    client.force_login(UserFactory(role="Legal"))
    before = state_of([a, b, c])

    hold = bulk_act(client, campaign, "hold", [a, b, c], reason="talks").content.decode()
    release = bulk_act(client, campaign, "release", [a, b]).content.decode()
    no_reason = bulk_act(client, campaign, "hold", [a]).content.decode()

    assert f"{b.reference}: it is already on hold" in hold
    assert f"{c.reference}: it is withdrawn; only a sent letter awaiting an answer" in hold
    assert f"{a.reference}: it is not on hold" in release
    assert "Say why (put on hold)." in no_reason
    assert state_of([a, b, c]) == before


def test_a_held_letters_step_stays_scheduled_and_runs_after_release(client):
    campaign, (a, _b, _c) = sent_campaign()
    client.force_login(UserFactory(role="Legal"))
    bulk_act(client, campaign, "hold", [a], reason="talks")
    due = FollowUp.objects.get(notice=a).due_at + timedelta(minutes=1)

    while_held = followups_process(now=due)
    step = FollowUp.objects.get(notice=a)
    bulk_act(client, campaign, "release", [a])
    after_release = followups_process(now=due + timedelta(days=1))

    assert while_held == {"letters": 2, "handoffs": 0, "stopped": 0}  # b and c went on
    assert (step.status, step.cancelled_reason) == ("scheduled", "")
    assert after_release == {"letters": 1, "handoffs": 0, "stopped": 0}
    assert FollowUp.objects.get(notice=a).status == "done"
    assert Notice.objects.filter(follows=a).count() == 1


def test_held_steps_do_not_crowd_out_others_from_a_batch(monkeypatch):
    _campaign, (a, b, c) = sent_campaign()
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
    campaign, (a, _b, _c) = sent_campaign()
    followups_process(now=FollowUp.objects.get(notice=a).due_at + timedelta(minutes=1))
    client.force_login(UserFactory(role="Legal"))
    bulk_act(client, campaign, "hold", [a], reason="talks")
    reminder = Notice.objects.get(follows=a)

    render_notice_task(reminder.pk)

    reminder.refresh_from_db()
    assert reminder.status == "rendered"
    assert reminder.problem == "not sent: the notice is on hold"
