"""Campaigns: pick recipients, generate every letter in the background, approve (never the
author), send, pause and resume. Each step is audited; letters move through the notice
services, so each keeps its own guarded, audited lifecycle."""

import contextlib
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db import transaction
from django.utils import timezone

from warnings_app.models import Campaign, LadderStep, Notice, Principal, TemplateVersion, Work
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.selectors.campaigns import campaign_recipients
from warnings_app.services.audit import audit_record
from warnings_app.services.delivery.queue import presend_problems, publish_on_commit
from warnings_app.services.errors import ServiceError
from warnings_app.services.notices import apply_transition_many, notice_create_many

if TYPE_CHECKING:
    from celery.contrib.django.task import DjangoTask
    from django.contrib.auth.models import User

Status = Campaign.Status
# Where letters may still be approved and sent: a campaign that has sent may send the letters
# approved after it (a sent-back letter rendered again, say).
APPROVABLE = (Status.IN_REVIEW, Status.APPROVED, Status.SENDING, Status.SENT, Status.PARTLY_SENT)
PAUSABLE = APPROVABLE


class ApprovalResult(TypedDict):
    approved: int
    refused: list[str]  # "<reference>: you wrote it"


class SendResult(TypedDict):
    queued: int
    blocked: int


def _move(
    campaign: Campaign,
    *,
    by: "User | None",
    sources: list[str],
    target: str,
    verb: str,
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> Campaign:
    moved = Campaign.objects.filter(pk=campaign.pk, status__in=sources).update(
        status=target, **fields
    )
    if moved != 1:
        campaign.refresh_from_db()
        raise ServiceError(f"campaign “{campaign}” is {campaign.get_status_display().lower()}")
    audit_record(
        actor=by, verb=verb, target=campaign, from_state=campaign.status, to_state=target, data=data
    )
    campaign.refresh_from_db()
    return campaign


@transaction.atomic
def campaign_create(
    *,
    by: "User",
    name: str,
    template_version: TemplateVersion,
    principals: list[Principal],
    works: list[Work],
    recipient_filter: dict[str, Any],
    response_window_days: int,
    channels: list[str],
    steps: list[dict[str, Any]] | None = None,
    description: str = "",
    signatory_name: str = "",
    signatory_title: str = "",
) -> Campaign:
    """A draft campaign and its ladder. `steps`: dicts of LadderStep fields, in order."""
    if template_version.status != TemplateVersion.Status.APPROVED:
        raise ServiceError(f"{template_version} is not approved for use")
    if not principals:
        raise ServiceError("choose at least one principal the letters are sent for")
    if not channels:
        raise ServiceError("choose at least one channel")
    for step in steps or []:
        if (step.get("offset_business_days") or 0) < 1:
            raise ServiceError(
                f"ladder step “{step['name']}”: due at least one business day after the letter"
            )
        version = step.get("template_version")
        if version is not None and version.status != TemplateVersion.Status.APPROVED:
            raise ServiceError(f"ladder step “{step['name']}”: {version} is not approved")
    campaign = Campaign.objects.create(
        name=name,
        description=description,
        template_version=template_version,
        recipient_filter=recipient_filter,
        response_window_days=response_window_days,
        channels=channels,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        created_by=by,
    )
    campaign.principals.set(principals)
    campaign.works.set(works)
    for order, step in enumerate(steps or [], start=1):
        LadderStep.objects.create(campaign=campaign, order=order, **step)
    audit_record(
        actor=by,
        verb="campaign.created",
        target=campaign,
        data={"recipient_filter": recipient_filter, "steps": len(steps or [])},
    )
    return campaign


@transaction.atomic
def campaign_generate(*, campaign: Campaign, by: "User") -> Campaign:
    """draft -> generating: one draft notice per included company, rendered by workers (the
    tasks leave after commit). Excluded companies (licensed, on hold) are skipped and listed in
    the audit event with their reasons."""
    from warnings_app.tasks import render_notice_task

    included, excluded = campaign_recipients(campaign.recipient_filter)
    if not included:
        raise ServiceError("no company matches this campaign's recipients")
    campaign = _move(
        campaign,
        by=by,
        sources=[Status.DRAFT],
        target=Status.GENERATING,
        verb="campaign.generating",
        data={"included": len(included), "excluded": [[c.pk, reason] for c, reason in excluded]},
    )
    notices = notice_create_many(
        companies=included,
        template_version=campaign.template_version,
        by=campaign.created_by,
        channels=campaign.channels,
        principals=list(campaign.principals.all()),
        works=list(campaign.works.all()),
        campaign=campaign,
        enqueued_at=timezone.now(),  # when its render task left; renders_sweep() goes by it
    )
    # Celery's Django fixup makes every task a DjangoTask; shared_task's stubs do not say so.
    render = cast("DjangoTask[[int], None]", render_notice_task)
    for notice in notices:
        render.delay_on_commit(notice.pk)
    return campaign


def campaign_generation_check(*, campaign_id: int) -> None:
    """generating -> in_review once no letter is left to render. Called after each render."""
    remaining = Notice.objects.filter(
        campaign_id=campaign_id, status=NoticeStatus.DRAFT, problem=""
    ).exists()
    if not remaining:
        with transaction.atomic():
            campaign = Campaign.objects.get(pk=campaign_id)
            with contextlib.suppress(ServiceError):  # another worker moved it on already
                _move(
                    campaign,
                    by=None,
                    sources=[Status.GENERATING],
                    target=Status.IN_REVIEW,
                    verb="campaign.generated",
                )


def campaign_approve(
    *, campaign: Campaign, by: "User", notice_ids: list[int] | None = None
) -> ApprovalResult:
    """Approve all rendered letters, or the chosen ones, in one transaction (each letter gets
    its own audit event). The campaign's author cannot."""
    if campaign.status == Status.GENERATING:
        campaign_generation_check(campaign_id=campaign.pk)  # the last render may be finishing
    campaign.refresh_from_db()
    if by.pk == campaign.created_by_id:
        raise ServiceError("the author of a campaign cannot approve its letters")
    if campaign.status not in APPROVABLE:
        raise ServiceError(f"campaign “{campaign}” is {campaign.get_status_display().lower()}")
    notices = campaign.notices.filter(status=NoticeStatus.RENDERED, ladder_step__isnull=True)
    if notice_ids is not None:
        notices = notices.filter(pk__in=notice_ids)
    authored = list(notices.filter(created_by=by).values_list("reference", flat=True))
    chosen = list(notices.exclude(created_by=by).only("pk", "reference"))
    with transaction.atomic():
        now = timezone.now()
        apply_transition_many(
            notices=chosen, transition="approve", by=by, approved_by=by, approved_at=now
        )
        Campaign.objects.filter(pk=campaign.pk, approved_by__isnull=True).update(
            approved_by=by, approved_at=now
        )
        refused = [f"{ref}: you wrote it" for ref in authored]
        if (
            campaign.status == Status.IN_REVIEW
            and not campaign.notices.filter(status=NoticeStatus.RENDERED).exists()
        ):
            _move(
                campaign,
                by=by,
                sources=[Status.IN_REVIEW],
                target=Status.APPROVED,
                verb="campaign.approved",
                data={"approved": len(chosen)},
            )
        else:
            audit_record(
                actor=by,
                verb="campaign.letters_approved",
                target=campaign,
                data={"approved": len(chosen), "refused": refused},
            )
    return {"approved": len(chosen), "refused": refused}


def campaign_send(*, campaign: Campaign, by: "User") -> SendResult:
    """Queue every approved letter of the campaign in one transaction; the send tasks leave
    after it commits. A letter that fails its pre-send checks stays approved with its problem
    recorded; the others go. With nothing ready to go it is refused and changes nothing."""
    campaign.refresh_from_db()
    if campaign.status not in APPROVABLE:
        raise ServiceError(f"campaign “{campaign}” is {campaign.get_status_display().lower()}")
    ready: list[Notice] = []
    blocked: dict[int, str] = {}
    approved = (
        campaign.notices.filter(status=NoticeStatus.APPROVED)
        .select_related("company", "template_version")
        .prefetch_related("company__contacts")
    )
    for notice in approved:
        problems = presend_problems(notice)
        if problems:
            blocked[notice.pk] = " ".join(problems)[:1000]
        else:
            ready.append(notice)
    if not ready:  # refused before anything is written: the campaign stays as it was
        why = f"; {len(blocked)} approved letter(s) are blocked" if blocked else ""
        raise ServiceError(f"Nothing was sent: no approved letter is ready to go{why}.")
    with transaction.atomic():
        apply_transition_many(
            notices=ready,
            transition="queue",
            by=by,
            enqueued_at=timezone.now(),
            next_attempt_at=None,
            problem="",
        )
        for notice_id, problem in blocked.items():
            Notice.objects.filter(pk=notice_id).update(problem=problem)
        if campaign.status != Status.SENDING:
            _move(
                campaign,
                by=by,
                sources=[Status.IN_REVIEW, Status.APPROVED, Status.SENT, Status.PARTLY_SENT],
                target=Status.SENDING,
                verb="campaign.sending",
                data={"queued": len(ready), "blocked": len(blocked)},
            )
        publish_on_commit([n.pk for n in ready])
    return {"queued": len(ready), "blocked": len(blocked)}


@transaction.atomic
def campaign_pause(*, campaign: Campaign, by: "User", reason: str) -> Campaign:
    """Stop all sending and chasing for the campaign until resumed."""
    if not reason.strip():
        raise ServiceError("say why the campaign is paused")
    return _move(
        campaign,
        by=by,
        # A sent campaign still chases up its ladder: pausing it stops that.
        sources=[*PAUSABLE],
        target=Status.PAUSED,
        verb="campaign.paused",
        data={"reason": reason.strip(), "resume_to": campaign.status},
        resume_status=campaign.status,
    )


@transaction.atomic
def campaign_resume(*, campaign: Campaign, by: "User") -> Campaign:
    campaign.refresh_from_db(fields=["resume_status"])
    target = campaign.resume_status or Status.SENDING
    resumed = _move(
        campaign,
        by=by,
        sources=[Status.PAUSED],
        target=target,
        verb="campaign.resumed",
        resume_status="",
    )
    # Let the next sweep publish the held letters at once.
    campaign.notices.filter(status=NoticeStatus.QUEUED).update(enqueued_at=None)
    return resumed
