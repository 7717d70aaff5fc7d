"""What a paralegal decides about a reply: which notice it answers (for triage), its outcome and
how it answers each demand of the letter. Each decision is audited with what it replaced;
classifying moves the notice on and stops its ladder, saying why."""

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from warnings_app.models import DemandAnswer, FollowUp, Notice, Response
from warnings_app.models.lifecycle import TRANSITIONS
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError
from warnings_app.services.notices import apply_transition

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Outcome = Response.Outcome
# An outcome that settles the matter: the notice is resolved, not merely answered.
SETTLING = {Outcome.COMPLIED}


def _locked(response: Response) -> Response:
    return (
        Response.objects.select_for_update(of=("self",))
        .select_related("notice")
        .get(pk=response.pk)
    )


def _answered(notice: Notice, response: Response, by: "User") -> None:
    if TRANSITIONS["record_response"].allows(notice.status):
        apply_transition(
            notice=notice,
            transition="record_response",
            by=by,
            data={"response_id": response.pk, "channel": response.channel},
        )


def _stop_ladder(notice: Notice, reason: str) -> int:
    return FollowUp.objects.filter(
        notice=notice,
        status__in=[FollowUp.Status.SCHEDULED, FollowUp.Status.AWAITING_APPROVAL],
    ).update(status=FollowUp.Status.CANCELLED, processed_at=timezone.now(), cancelled_reason=reason)


@transaction.atomic
def response_match(*, response: Response, notice: Notice, by: "User") -> Response:
    """Attach a reply (from triage, or wrongly matched) to its notice. For a reply that waited
    for a person (its sender or its address proved nothing) this is the confirmation: from now
    on it counts as the company's answer and stops the notice's ladder."""
    response = _locked(response)
    if response.kind == Response.Kind.BOUNCE:
        raise ServiceError("a bounce report belongs to the delivery it reports on")
    if response.notice_id == notice.pk:
        raise ServiceError(f"this reply is already matched to {notice.reference}")
    previous = response.notice.reference if response.notice else None
    if response.notice is not None:  # the old notice's history says where its reply went
        audit_record(
            actor=by,
            verb="reply.matched_elsewhere",
            target=response.notice,
            data={"response_id": response.pk, "to": notice.reference},
        )
    before = {"trust": response.trust, "reason": response.trust_reason}
    confirmed = response.trust == Response.Trust.UNCONFIRMED
    Response.objects.filter(pk=response.pk).update(
        notice=notice,
        company=notice.company,
        matched_by=Response.Match.MANUAL,
        suggested_notice=None,
        **(
            {"trust": Response.Trust.CONFIRMED, "confirmed_by": by, "confirmed_at": timezone.now()}
            if confirmed
            else {}
        ),
    )
    response.refresh_from_db()
    audit_record(
        actor=by,
        verb="reply.confirmed" if confirmed else "reply.matched",
        target=response,
        data={"notice": notice.reference, "previous": previous, "before": before},
    )
    if response.kind == Response.Kind.REPLY:
        _answered(notice, response, by)
    return response


@transaction.atomic
def response_classify(
    *,
    response: Response,
    by: "User",
    outcome: str,
    note: str = "",
    demands: dict[str, tuple[str, str]] | None = None,
) -> Response:
    """Record the outcome and, demand by demand, the answer ({demand: (answer, note)}).
    Classifying again replaces the earlier classification; the audit log keeps both."""
    response = _locked(response)
    if response.kind != Response.Kind.REPLY:
        raise ServiceError("a bounce report is not a reply: it cannot be classified")
    if response.notice_id is None:
        raise ServiceError("match the reply to its notice before classifying it")
    if outcome not in Outcome.values or outcome == Outcome.UNCLASSIFIED:
        raise ServiceError(f"“{outcome}” is not an outcome a reply can be classified as")
    demands = demands or {}
    unknown = set(demands) - set(DemandAnswer.Demand.values)
    if unknown:
        raise ServiceError(f"unknown demand: {', '.join(sorted(unknown))}")
    for demand, (answer, _note) in demands.items():
        if answer not in DemandAnswer.Answer.values:
            raise ServiceError(f"“{answer}” is not an answer to “{demand}”")
    outcome_before = response.outcome
    before = {
        "outcome": outcome_before,
        "demands": {d.demand: d.answer for d in response.demands.all()},
    }
    now = timezone.now()
    Response.objects.filter(pk=response.pk).update(
        outcome=outcome,
        # A re-classification without a note keeps the earlier one: the forms start empty (the
        # note is privileged and not shown to everyone who classifies), so an empty note means
        # "nothing to add", never "erase what Legal wrote".
        classification_note=note.strip() or response.classification_note,
        classified_at=now,
        classified_by=by,
    )
    response.demands.exclude(demand__in=list(demands)).delete()  # answers cleared now
    for demand, (answer, demand_note) in demands.items():
        DemandAnswer.objects.update_or_create(
            response=response,
            demand=demand,
            defaults={"answer": answer, "note": demand_note.strip()},
        )
    response.refresh_from_db()
    notice = response.notice
    if notice is None:  # never: checked above, and the locked row cannot be changed meanwhile
        raise ServiceError("match the reply to its notice before classifying it")
    label = Outcome(outcome).label.lower()
    stopped = _stop_ladder(
        notice, f"the reply of {response.received_at:%d %b %Y} was classified: {label}"
    )
    audit_record(
        actor=by,
        verb="reply.classified",
        target=response,
        from_state=outcome_before,
        to_state=outcome,
        data={
            "notice": notice.reference,
            "demands": {d: a for d, (a, _) in demands.items()},
            "before": before,
            "follow_ups_stopped": stopped,
        },
    )
    _answered(notice, response, by)
    notice.refresh_from_db()
    if outcome in SETTLING and TRANSITIONS["resolve"].allows(notice.status):
        apply_transition(
            notice=notice, transition="resolve", by=by, data={"response_id": response.pk}
        )
    return response


@transaction.atomic
def responses_assign(*, responses: list[Response], to: "User | None", by: "User") -> int:
    """Give replies to a person (or to nobody, with `to` None)."""
    if to is not None and not to.has_perm("warnings_app.change_response"):
        raise ServiceError(f"{to} cannot work on replies")
    for response in responses:
        Response.objects.filter(pk=response.pk).update(assigned_to=to)
        audit_record(
            actor=by,
            verb="reply.assigned",
            target=response,
            data={"to": to.username if to is not None else None, "before": response.assigned_to_id},
        )
    return len(responses)


@transaction.atomic
def responses_snooze(*, responses: list[Response], until: date, by: "User") -> int:
    """Hide replies from the queue until a date (they come back on that day)."""
    if until <= timezone.localdate():
        raise ServiceError("snooze until a day after today")
    for response in responses:
        Response.objects.filter(pk=response.pk).update(snoozed_until=until)
        audit_record(
            actor=by,
            verb="reply.snoozed",
            target=response,
            data={"until": until.isoformat(), "before": str(response.snoozed_until or "")},
        )
    return len(responses)
