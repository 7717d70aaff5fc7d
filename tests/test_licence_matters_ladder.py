"""The warning ladder and licence talks, with the real follow-up job on its reminder day: talks
under way stop it and say so (before the reply that asked for them), a signed licence not yet
started stops it, and a lawyer who declines the talks may let it go on from that day."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.campaign_helpers import sent_notices
from tests.factories import LicenceFactory, UserFactory
from warnings_app.domain.deadlines import business_days_after
from warnings_app.models import AuditEvent, FollowUp, Notice, Response
from warnings_app.services.classification import response_classify, response_match
from warnings_app.services.followups import followups_process
from warnings_app.services.licence_matters import matter_decline, matter_open
from warnings_app.services.licence_moves import matter_move
from warnings_app.services.replies import reply_log

pytestmark = pytest.mark.django_db


def _talks_requested(notice: Notice, by) -> Response:
    reply = Response.objects.create(
        channel="email",
        matched_by=Response.Match.UNMATCHED,
        received_at=timezone.now(),
        subject="We would like a licence",
    )
    reply = response_match(response=reply, notice=notice, by=by)
    return response_classify(response=reply, by=by, outcome="requests_talks")


def _step(notice: Notice) -> FollowUp:
    return FollowUp.objects.get(notice=notice)


def _reminder_day(notice: Notice):
    return _step(notice).due_at + timedelta(minutes=1)


def test_open_talks_stop_the_ladder_and_the_reason_names_the_talks_not_the_reply(smtp_server):
    talking, silent = sent_notices()
    legal = UserFactory(role="Legal")
    reply_log(
        by=legal,
        channel="letter",
        received_at=timezone.now(),
        notice=talking,
        body_text="Let us discuss a licence.",
    )
    matter_open(company=talking.company, by=legal)

    counts = followups_process(now=_reminder_day(talking))

    stopped = _step(talking)
    assert stopped.status == FollowUp.Status.CANCELLED
    assert stopped.cancelled_reason == "licence talks are open (Enquiry)"
    assert not Notice.objects.filter(follows=talking).exists()
    assert Notice.objects.filter(follows=silent).count() == 1  # the other company's goes on
    assert counts == {"letters": 1, "handoffs": 0, "stopped": 1}
    event = AuditEvent.objects.get(verb="followup.stopped", target_id=str(talking.pk))
    assert event.data["reason"] == "licence talks are open (Enquiry)"


def test_a_signed_licence_stops_the_ladder_until_it_starts(smtp_server):
    [notice] = sent_notices(companies=1)
    legal = UserFactory(role="Legal")
    matter = matter_open(company=notice.company, by=legal)
    matter_move(matter=matter, to_stage="signed", by=legal, system=True)
    starts = timezone.localdate() + timedelta(days=40)
    LicenceFactory(company=notice.company, matter=matter, signed_on=starts, starts_on=starts)

    followups_process(now=_reminder_day(notice))

    reason = _step(notice).cancelled_reason
    assert reason == f"a licence was signed (starts {starts.day} {starts:%b %Y})"
    assert not Notice.objects.filter(follows=notice).exists()


def test_declining_with_a_restart_sends_the_reminder_counted_from_the_restart_day(smtp_server):
    [notice] = sent_notices(companies=1)
    paralegal, legal = UserFactory(role="Paralegal"), UserFactory(role="Legal")
    reply = _talks_requested(notice, paralegal)
    assert _step(notice).status == FollowUp.Status.CANCELLED  # the classification stopped it
    matter = matter_open(reply=reply, by=paralegal)
    matter_move(matter=matter, to_stage="nda", by=legal)

    matter_decline(matter=matter, by=legal, reason="They chose not to sign", restart_ladder=True)

    step = _step(notice)
    expected = business_days_after(timezone.localdate(), step.step.offset_business_days, "DE")
    assert step.status == FollowUp.Status.SCHEDULED
    assert timezone.localtime(step.due_at).date() == expected.due
    matter.refresh_from_db()
    assert matter.stage == "declined"
    assert matter.ladder_restarted_by == legal
    rescheduled = AuditEvent.objects.get(verb="followup.rescheduled")
    assert "requests licence talks" in rescheduled.data["before"]["cancelled_reason"]
    assert AuditEvent.objects.filter(verb="licence_matter.ladder_restarted").count() == 1

    counts = followups_process(now=step.due_at + timedelta(minutes=1))

    assert counts["letters"] == 1, _step(notice).cancelled_reason
    assert Notice.objects.filter(follows=notice).count() == 1
    assert _step(notice).status == FollowUp.Status.DONE


def test_a_reply_after_the_restart_stops_the_ladder_again(smtp_server):
    [notice] = sent_notices(companies=1)
    legal = UserFactory(role="Legal")
    matter = matter_open(reply=_talks_requested(notice, legal), by=legal)
    matter_decline(matter=matter, by=legal, reason="No deal", restart_ladder=True)
    reply_log(
        by=legal,
        channel="phone",
        received_at=timezone.now(),
        notice=notice,
        body_text="Called again to object.",
    )

    followups_process(now=_step(notice).due_at + timedelta(minutes=1))

    assert _step(notice).cancelled_reason == "a reply was logged"
    assert not Notice.objects.filter(follows=notice).exists()


def test_declining_without_a_restart_leaves_the_reminders_stopped(smtp_server):
    [notice] = sent_notices(companies=1)
    legal = UserFactory(role="Legal")
    matter = matter_open(reply=_talks_requested(notice, legal), by=legal)
    stopped_before = _step(notice)

    matter_decline(matter=matter, by=legal, reason="No deal", restart_ladder=False)

    after = _step(notice)
    assert after.status == FollowUp.Status.CANCELLED
    assert after.due_at == stopped_before.due_at
    matter.refresh_from_db()
    assert matter.stage == "declined"
    assert matter.ladder_restarted_at is None
    assert not AuditEvent.objects.filter(verb="followup.rescheduled").exists()


def test_a_licence_in_force_is_the_reason_even_when_a_reply_was_logged(smtp_server):
    [notice] = sent_notices(companies=1)
    legal = UserFactory(role="Legal")
    reply_log(
        by=legal,
        channel="letter",
        received_at=timezone.now(),
        notice=notice,
        body_text="We have signed with your licensing team.",
    )
    LicenceFactory(company=notice.company, use_evaluation=True)

    followups_process(now=_reminder_day(notice))

    assert _step(notice).cancelled_reason == (
        "the company is licensed (licensed for training and evaluation): no warning letter"
    )
    assert not Notice.objects.filter(follows=notice).exists()
