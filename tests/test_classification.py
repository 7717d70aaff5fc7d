from datetime import timedelta

import pytest
from django.utils import timezone

from tests.campaign_helpers import sent_notices
from tests.factories import UserFactory
from warnings_app.models import AuditEvent, FollowUp, Notice, Response
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services import ServiceError
from warnings_app.services.classification import response_classify, response_match
from warnings_app.services.delivery.send import notice_deliver
from warnings_app.services.followups import followups_process
from warnings_app.tasks import render_notice_task

pytestmark = pytest.mark.django_db


def _triage_reply(**fields):
    return Response.objects.create(
        channel="email",
        matched_by=Response.Match.UNMATCHED,
        received_at=timezone.now(),
        subject="About your letter",
        **fields,
    )


def test_a_classified_reply_stops_the_ladder_and_the_reminder_day_sends_nothing(smtp_server):
    answered, silent = sent_notices()
    paralegal = UserFactory(role="Paralegal")
    reply = response_match(response=_triage_reply(), notice=answered, by=paralegal)

    response_classify(
        response=reply,
        by=paralegal,
        outcome="disputes",
        note="Says the recordings were licensed through a distributor.",
        demands={"undertaking": ("no", "refuses"), "preservation": ("yes", "")},
    )
    due = FollowUp.objects.get(notice=silent).due_at + timedelta(minutes=1)
    sent_before = len(smtp_server.handler.received)
    counts = followups_process(now=due)
    for letter in Notice.objects.filter(follows__isnull=False):
        render_notice_task(letter.pk)
        notice_deliver(notice_id=letter.pk, worker="w")

    reply.refresh_from_db()
    answered.refresh_from_db()
    assert reply.outcome == "disputes"
    assert {d.demand: d.answer for d in reply.demands.all()} == {
        "undertaking": "no",
        "preservation": "yes",
    }
    assert answered.status == NoticeStatus.RESPONDED
    stopped = FollowUp.objects.get(notice=answered)
    assert stopped.status == FollowUp.Status.CANCELLED
    assert "classified: disputes" in stopped.cancelled_reason
    assert counts["letters"] == 1
    assert not Notice.objects.filter(follows=answered).exists()
    assert len(smtp_server.handler.received) == sent_before + 1  # only the silent one's
    event = AuditEvent.objects.get(verb="reply.classified")
    assert event.data["demands"] == {"undertaking": "no", "preservation": "yes"}


def test_a_complied_reply_resolves_the_notice_and_reclassifying_keeps_the_history(smtp_server):
    [notice] = sent_notices(companies=1)
    paralegal = UserFactory(role="Paralegal")
    reply = response_match(response=_triage_reply(), notice=notice, by=paralegal)

    response_classify(response=reply, by=paralegal, outcome="acknowledged")
    response_classify(response=reply, by=paralegal, outcome="complied")

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RESOLVED
    history = AuditEvent.objects.filter(verb="reply.classified").order_by("pk")
    assert [(e.from_state, e.to_state) for e in history] == [
        ("unclassified", "acknowledged"),
        ("acknowledged", "complied"),
    ]


def test_bad_classifications_are_refused_and_change_nothing(smtp_server):
    [notice] = sent_notices(companies=1)
    paralegal = UserFactory(role="Paralegal")
    unmatched = _triage_reply()
    bounce = _triage_reply(kind=Response.Kind.BOUNCE, notice=notice)
    matched = response_match(response=_triage_reply(), notice=notice, by=paralegal)

    attempts = [
        (unmatched, {"outcome": "disputes"}, "match the reply"),
        (bounce, {"outcome": "disputes"}, "bounce report"),
        (matched, {"outcome": "unclassified"}, "not an outcome"),
        (matched, {"outcome": "disputes", "demands": {"world_peace": ("yes", "")}}, "unknown"),
        (matched, {"outcome": "disputes", "demands": {"deletion": ("maybe", "")}}, "not an answer"),
    ]
    for response, kwargs, message in attempts:
        with pytest.raises(ServiceError, match=message):
            response_classify(response=response, by=paralegal, **kwargs)

    assert set(Response.objects.values_list("outcome", flat=True)) == {"unclassified"}
    assert not AuditEvent.objects.filter(verb="reply.classified").exists()


def test_a_reclassification_without_a_note_keeps_the_note_legal_wrote(smtp_server):
    answered, _ = sent_notices()
    reply = response_match(
        response=_triage_reply(), notice=answered, by=UserFactory(role="Paralegal")
    )
    response_classify(
        response=reply, by=UserFactory(role="Legal"), outcome="disputes", note="Privileged view."
    )

    response_classify(response=reply, by=UserFactory(role="Paralegal"), outcome="requests_talks")

    reply.refresh_from_db()
    assert (reply.outcome, reply.classification_note) == ("requests_talks", "Privileged view.")
