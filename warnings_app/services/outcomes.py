"""Bulk actions on a campaign's letters from its outcome page: chase now, withdraw, put on hold
and release the hold.

Each is all-or-nothing. The chosen notices' scheduled ladder steps are locked first, then the
notices themselves (the order the ladder job takes them in, so the two cannot deadlock); every
notice is checked, and if any cannot take the action nothing changes and `BulkRefused` names
each refused reference and why. Every change writes its audit event in the same transaction."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from warnings_app.models import FollowUp, LadderStep, Notice, TemplateVersion
from warnings_app.models.lifecycle import OPEN, TRANSITIONS, NoticeStatus
from warnings_app.services.audit import audit_event, audit_record_many
from warnings_app.services.errors import ServiceError
from warnings_app.services.followups import BATCH, followups_process, ladder_stop_reason
from warnings_app.services.notices import notice_withdraw

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NOT_YET_SENT = [
    NoticeStatus.DRAFT,
    NoticeStatus.RENDERED,
    NoticeStatus.APPROVED,
    NoticeStatus.QUEUED,
    NoticeStatus.SENDING,
]


class BulkRefused(ServiceError):
    """Some chosen notices cannot take the action, so none of them did."""

    def __init__(self, refused: list[tuple[str, str]]) -> None:
        self.refused = refused
        super().__init__("; ".join(f"{reference}: {why}" for reference, why in refused))


def _label(notice: Notice) -> str:
    return NoticeStatus(notice.status).label.lower()


def _lock(notices: Iterable[Notice]) -> tuple[list[Notice], dict[int, list[FollowUp]]]:
    """Lock the notices' scheduled steps, then the notices; return the notices as they are now
    (with company and campaign) and each one's scheduled steps, earliest first."""
    ids = sorted({n.pk for n in notices})
    if not ids:
        raise ServiceError("choose at least one letter")
    steps: dict[int, list[FollowUp]] = {}
    scheduled = (
        FollowUp.objects.select_for_update(of=("self",))
        .filter(notice_id__in=ids, status=FollowUp.Status.SCHEDULED)
        .select_related("step__template_version")
        .order_by("notice_id", "due_at", "pk")
    )
    for follow_up in scheduled:
        steps.setdefault(follow_up.notice_id, []).append(follow_up)
    locked = list(
        Notice.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=ids)
        .select_related("company", "campaign")
        .order_by("pk")
    )
    if len(locked) != len(ids):
        raise ServiceError("some chosen letters no longer exist; reload the page")
    return locked, steps


def _refuse(refused: list[tuple[str, str]]) -> None:
    if refused:
        raise BulkRefused(refused)


def _chase_problem(notice: Notice, steps: list[FollowUp], unsent: dict[int, Notice]) -> str:
    reason = ladder_stop_reason(notice)
    if reason:
        return reason
    if not steps:
        return "no ladder step is left to chase with"
    step = steps[0].step
    if step.action != LadderStep.Action.LETTER:
        return f"the next step, “{step.name}”, hands the matter to counsel: it is not a letter"
    version = step.template_version  # a letter step has one (a check constraint)
    if version is None or version.status != TemplateVersion.Status.APPROVED:
        return f"the letter of “{step.name}” is no longer an approved template version"
    if notice.pk in unsent:
        reminder = unsent[notice.pk]
        return f"its reminder {reminder.reference} is not sent yet ({_label(reminder)})"
    return ""


@transaction.atomic
def notices_chase(*, notices: Iterable[Notice], by: "User", now: datetime | None = None) -> int:
    """Make each notice's next ladder letter now rather than on its day: the earliest scheduled
    step is brought forward to now and processed at once, so the letter is created and then
    follows its step's approval rule. Only open, unanswered notices that are not on hold and
    have a letter step left can be chased. Chasing again moves on to the following step."""
    now = now or timezone.now()
    locked, steps = _lock(notices)
    unsent = {
        reminder.follows_id: reminder
        for reminder in Notice.objects.filter(
            follows__in=[n.pk for n in locked], status__in=NOT_YET_SENT
        )
        if reminder.follows_id is not None  # always: it follows one of `locked`
    }
    _refuse(
        [
            (n.reference, problem)
            for n in locked
            if (problem := _chase_problem(n, steps.get(n.pk, []), unsent))
        ]
    )
    chased = [steps[n.pk][0] for n in locked]
    FollowUp.objects.filter(pk__in=[f.pk for f in chased]).update(due_at=now)
    audit_record_many(
        audit_event(
            actor=by,
            verb="notice.chased",
            target=n,
            data={"step": f.step.name, "was_due": f.due_at.isoformat()},
        )
        for n, f in zip(locked, chased, strict=True)
    )
    ids = [f.pk for f in chased]
    for start in range(0, len(ids), BATCH):
        followups_process(now=now, only=ids[start : start + BATCH])
    failed = FollowUp.objects.filter(pk__in=ids).exclude(status=FollowUp.Status.DONE)
    _refuse([(f.notice.reference, f.cancelled_reason) for f in failed.select_related("notice")])
    return len(ids)


@transaction.atomic
def notices_withdraw(*, notices: Iterable[Notice], by: "User", reason: str) -> int:
    """Withdraw letters that have not gone out yet (draft, rendered, approved or queued), each
    through notice_withdraw with the reason, and cancel their scheduled ladder steps."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("say why the letters are withdrawn")
    locked, steps = _lock(notices)
    allowed = TRANSITIONS["withdraw"]
    _refuse(
        [
            (
                n.reference,
                f"it is {_label(n)}; only draft, rendered, approved or queued letters can be "
                "withdrawn",
            )
            for n in locked
            if not allowed.allows(n.status)
        ]
    )
    for notice in locked:
        notice_withdraw(notice=notice, by=by, reason=reason)
    stopped = f"the letter was withdrawn: {reason}"[:300]
    FollowUp.objects.filter(pk__in=[f.pk for fs in steps.values() for f in fs]).update(
        status=FollowUp.Status.CANCELLED, processed_at=timezone.now(), cancelled_reason=stopped
    )
    audit_record_many(
        audit_event(
            actor=by,
            verb="followup.stopped",
            target=n,
            data={"steps": [f.step.name for f in steps[n.pk]], "reason": stopped},
        )
        for n in locked
        if steps.get(n.pk)
    )
    return len(locked)


@transaction.atomic
def notices_hold(*, notices: Iterable[Notice], by: "User", reason: str) -> int:
    """Stop chasing letters for now: their due ladder steps stay scheduled and are skipped by
    the ladder job until the hold is released. Only letters that went out and are still open
    can be held (a hold does not stop a letter that has not been sent: withdraw that)."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("say why the letters are put on hold")
    locked, _steps = _lock(notices)
    _refuse([(n.reference, why) for n in locked if (why := _hold_problem(n))])
    return _set_hold(locked, by=by, reason=reason, verb="notice.held", data={"reason": reason})


def _hold_problem(notice: Notice) -> str:
    if notice.on_hold:
        return "it is already on hold"
    if notice.status not in OPEN:
        return f"it is {_label(notice)}; only a sent letter awaiting an answer can be held"
    return ""


@transaction.atomic
def notices_release(*, notices: Iterable[Notice], by: "User") -> int:
    """Lift the hold. Ladder steps that fell due meanwhile run on the ladder job's next pass,
    unless something else (a reply, a paused campaign) stops them then."""
    locked, _steps = _lock(notices)
    _refuse([(n.reference, "it is not on hold") for n in locked if not n.on_hold])
    return _set_hold(locked, by=by, reason=None, verb="notice.hold_released", data={})


def _set_hold(
    locked: list[Notice], *, by: "User", reason: str | None, verb: str, data: dict[str, Any]
) -> int:
    """Hold with `reason`, or release (None)."""
    ids, on = [n.pk for n in locked], reason is not None
    moved = Notice.objects.filter(pk__in=ids, on_hold=not on).update(
        on_hold=on, hold_reason=reason or ""
    )
    if moved != len(ids):
        raise ServiceError("the letters were changed by someone else; reload and try again")
    audit_record_many(audit_event(actor=by, verb=verb, target=n, data=data) for n in locked)
    return moved
