"""The escalation ladder. Due steps are database rows picked by one periodic job; each makes the
step's letter (rendered, then approved automatically only if the step says so) or hands the
matter to litigation counsel. A reply, licence talks, a hold or a withdrawal stops the ladder;
once counsel of record is known, its letters go to counsel instead of the company."""

from collections.abc import Collection
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.utils import timezone

from warnings_app.domain.deadlines import business_days_after
from warnings_app.domain.licences import warning_blocked
from warnings_app.domain.matters import acts_on_notices
from warnings_app.models import FollowUp, LadderStep, Notice, Response
from warnings_app.models.lifecycle import TRANSITIONS, NoticeStatus
from warnings_app.selectors.licence_matters import ladder_restarted_at, talks_stop_reason
from warnings_app.services.audit import audit_record
from warnings_app.services.delivery.queue import notice_queue
from warnings_app.services.errors import ServiceError
from warnings_app.services.notices import apply_transition, notice_approve, notice_create

if TYPE_CHECKING:
    from celery.contrib.django.task import DjangoTask

DUE_HOUR = time(9, 0)  # steps fall due at 09:00 local time on their business day
BATCH = 100


def followups_schedule(*, notice: Notice) -> int:
    """Create the ladder's follow-ups for a campaign's first letter once it is sent."""
    if notice.campaign_id is None or notice.ladder_step_id is not None or notice.sent_at is None:
        return 0
    sent_day = timezone.localtime(notice.sent_at).date()
    created = 0
    for step in LadderStep.objects.filter(campaign_id=notice.campaign_id).order_by("order"):
        due = business_days_after(sent_day, step.offset_business_days, notice.company.country.code)
        due_at = timezone.make_aware(datetime.combine(due.due, DUE_HOUR))
        _, made = FollowUp.objects.get_or_create(
            notice=notice, step=step, defaults={"due_at": due_at}
        )
        created += made
    return created


def ladder_stop_reason(notice: Notice) -> str:
    """Why the ladder must not go on for this notice, or "" if it may.

    Licence talks under way (or a deal signed whose licence has not started), then a licence in
    force, come first, so the reason says talks or the licence rather than the reply that asked
    for them. Once a lawyer has closed
    talks without a deal and let the ladder go on, the replies received before that moment no
    longer stop it, and the letter they answered may go on from "responded"."""
    today = timezone.localdate()
    talks = talks_stop_reason(notice.company_id, today)
    if talks:
        return talks
    blocked = warning_blocked(notice.company_id, today)
    if blocked:
        return blocked
    restarted = ladder_restarted_at(notice.company_id)
    going_on = {NoticeStatus.SENT, NoticeStatus.DELIVERED, NoticeStatus.BOUNCED}
    if restarted is not None:
        going_on.add(NoticeStatus.RESPONDED)
    if notice.status not in going_on:
        return f"the letter is {NoticeStatus(notice.status).label.lower()}"
    if notice.on_hold:
        return "the notice is on hold"
    # A reply to any letter of the series counts, not only to the first one.
    # A bounce or an out-of-office is no answer; a reply only guessed from the sender's domain,
    # or whose sender was not authenticated, counts once a person has confirmed it.
    replies = Response.objects.filter(acts_on_notices())
    if restarted is not None:
        replies = replies.filter(received_at__gte=restarted)
    if (
        replies.filter(company=notice.company_id, received_at__gte=notice.sent_at).exists()
        or replies.filter(notice=notice).exists()
    ):
        return "a reply was logged"
    company = notice.company
    if company.hold_automation:
        return f"the company is on hold ({company.hold_reason or 'no reason given'})"
    # Counsel of record does not stop the ladder: its letters go to counsel (letter_contact),
    # and a letter still addressed to the company is refused before it leaves.
    campaign = notice.campaign
    if campaign is not None and campaign.status in ("paused", "cancelled"):
        return f"the campaign is {campaign.get_status_display().lower()}"
    return ""


def followups_process(
    *, now: datetime | None = None, only: Collection[int] | None = None
) -> dict[str, int]:
    """Process due follow-ups (or only the follow-ups with the ids in `only`). Several copies
    may run at once (two beat schedulers): rows are locked with SKIP LOCKED and moved with
    guarded updates, so each step happens once.

    Steps of a notice on hold are left scheduled, not cancelled: they are not even selected, so
    a pile of held steps cannot fill the batch, and they run once the hold is released if they
    are still due. Putting a notice on hold locks its scheduled steps, so a step is either
    processed before the hold or skipped after it, never half of each."""
    now = now or timezone.now()
    counts = {"letters": 0, "handoffs": 0, "stopped": 0}
    with transaction.atomic():
        due = (
            FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=FollowUp.Status.SCHEDULED, due_at__lte=now, notice__on_hold=False)
            .select_related("notice__company", "notice__campaign", "step")
            .order_by("due_at", "pk")
        )
        if only is not None:
            due = due.filter(pk__in=only)
        due = due[:BATCH]
        for follow_up in due:
            try:
                with transaction.atomic():  # one row's failure must not hold up the others
                    counts[_process_one(follow_up, now)] += 1
            except ServiceError as exc:
                _close(
                    follow_up,
                    FollowUp.Status.CANCELLED,
                    now,
                    cancelled_reason=f"could not make the letter: {exc}"[:300],
                )
                audit_record(
                    actor=None,
                    verb="followup.failed",
                    target=follow_up.notice,
                    data={"step": follow_up.step.name, "error": str(exc)[:500]},
                )
                counts["stopped"] += 1
    return counts


def _process_one(follow_up: FollowUp, now: datetime) -> str:
    from warnings_app.tasks import render_notice_task

    notice, step = follow_up.notice, follow_up.step
    reason = ladder_stop_reason(notice)
    if reason:
        _close(follow_up, FollowUp.Status.CANCELLED, now, cancelled_reason=reason)
        audit_record(
            actor=None,
            verb="followup.stopped",
            target=notice,
            data={"step": step.name, "reason": reason},
        )
        return "stopped"
    if step.action == LadderStep.Action.HANDOFF:
        if TRANSITIONS["escalate"].allows(notice.status):
            apply_transition(
                notice=notice,
                transition="escalate",
                by=None,
                data={"step": step.name, "reason": "handed off to litigation counsel"},
            )
        _close(follow_up, FollowUp.Status.DONE, now)
        return "handoffs"
    letter = _step_letter(notice, step)
    _close(follow_up, FollowUp.Status.DONE, now, result_notice=letter)
    Notice.objects.filter(pk=letter.pk).update(enqueued_at=timezone.now())
    # Celery's Django fixup makes every task a DjangoTask; shared_task's stubs do not say so.
    cast("DjangoTask[[int], None]", render_notice_task).delay_on_commit(letter.pk)
    return "letters"


def _close(follow_up: FollowUp, status: str, now: datetime, **fields: Any) -> None:
    moved = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUp.Status.SCHEDULED).update(
        status=status, processed_at=now, **fields
    )
    if moved != 1:
        raise ServiceError(f"follow-up {follow_up.pk} was processed twice")


def _step_letter(notice: Notice, step: LadderStep) -> Notice:
    campaign, version = notice.campaign, step.template_version
    # Never: ladders belong to campaigns, and a letter step has a template (a check constraint).
    if campaign is None or version is None:
        raise ServiceError(f"ladder step “{step.name}” has no campaign letter to send")
    return notice_create(
        company=notice.company,
        template_version=version,
        by=None,
        channels=step.channels or campaign.channels,
        principals=list(notice.principals.all()),
        works=list(notice.works.all()),
        campaign=campaign,
        ladder_step=step,
        follows=notice,
    )


def followup_release(*, notice: Notice) -> None:
    """A rendered ladder letter: send it if its step needs no approval (approved in advance by
    whoever approved the campaign); otherwise it waits for a lawyer."""
    step = notice.ladder_step
    if step is None or step.requires_approval:
        return
    approver = notice.campaign.approved_by if notice.campaign else None
    if approver is None:
        raise ServiceError("the campaign was never approved, so its ladder cannot send alone")
    reason = ladder_stop_reason(notice.follows) if notice.follows else ""
    if reason:
        raise ServiceError(f"not sent: {reason}")
    with transaction.atomic():  # approved and queued together, or neither
        notice_queue(notice=notice_approve(notice=notice, by=approver), by=None)
