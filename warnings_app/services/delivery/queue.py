"""Queueing and claiming: what blocks a letter from leaving, approved -> queued with the send
task published only after the commit, and the guarded claim (queued -> sending under a
worker's lease) that only one worker can win."""

from datetime import timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from warnings_app.domain.licences import warning_blocked
from warnings_app.integrations.emails import bounce_address, notice_message_id, notice_reply_to
from warnings_app.models import Campaign, DeliveryAttempt, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.errors import NoticeStateError, ServiceError
from warnings_app.services.notices import apply_transition

if TYPE_CHECKING:
    from celery.contrib.django.task import DjangoTask
    from django.contrib.auth.models import User

EMAIL = Notice.Channel.EMAIL
CAMPAIGN_HELD = (Campaign.Status.PAUSED, Campaign.Status.CANCELLED)


def presend_problems(notice: Notice) -> list[str]:
    """Everything that blocks sending, as sentences. Empty when the notice may go."""
    problems = []
    company = notice.company
    blocked = "" if notice.licence_id else warning_blocked(company.pk, timezone.localdate())
    if blocked:
        problems.append(f"{company}: {blocked}.")
    if company.hold_automation:
        problems.append(f"{company} is on hold ({company.hold_reason or 'no reason given'}).")
    if notice.template_version.status not in ("approved", "retired") or not notice.pdf:
        problems.append("The letter was not rendered from an approved template version.")
    recipient = notice.merge_data.get("recipient", {})
    if EMAIL in notice.channels and not recipient.get("email"):
        problems.append("No e-mail address to deliver to.")
    if {"post", "courier"} & set(notice.channels) and not recipient.get("address_lines"):
        problems.append("No postal address to deliver to.")
    # Reads prefetched contacts when the caller loaded them (a campaign's send), else one query.
    counsel = any(c.is_active and c.role == "counsel_of_record" for c in company.contacts.all())
    if counsel and not recipient.get("via_counsel"):
        problems.append(
            f"{company} has counsel of record: the letter must be addressed to "
            "counsel. Render it again."
        )
    return problems


@transaction.atomic
def notice_queue(*, notice: Notice, by: "User | None") -> Notice:
    """approved -> queued. The send task is published only once this commits."""
    problems = presend_problems(notice)
    if problems:
        raise ServiceError(f"{notice.reference} cannot be sent: " + " ".join(problems))
    queued = apply_transition(
        notice=notice, transition="queue", by=by, enqueued_at=timezone.now(), next_attempt_at=None
    )
    publish_on_commit([queued.pk])
    return queued


def publish_on_commit(notice_ids: list[int]) -> None:
    from warnings_app.tasks import send_notice_task

    # Celery's Django fixup makes every task a DjangoTask; shared_task's stubs do not say so.
    task = cast("DjangoTask[[int], str]", send_notice_task)
    for notice_id in notice_ids:
        task.delay_on_commit(notice_id)


def notice_claim(notice_id: int, worker: str) -> tuple[Notice, DeliveryAttempt] | None:
    """queued -> sending under this worker's lease, with the attempt recorded in the same
    transaction. None when the notice is not this worker's to send now."""
    now = timezone.now()
    try:
        # get(), not first(): the primary key names one row, so no ORDER BY to build and run.
        notice = Notice.objects.select_related("company", "template_version", "campaign").get(
            pk=notice_id, status=NoticeStatus.QUEUED
        )
    except Notice.DoesNotExist:
        return None
    if notice.next_attempt_at and notice.next_attempt_at > now:
        return None
    if EMAIL not in notice.channels:
        return None  # goes by post or courier only: a print batch sends it
    held = notice.campaign is not None and notice.campaign.status in CAMPAIGN_HELD
    if notice.company.hold_automation or held:
        return None  # stays queued; sent once the hold is lifted
    try:
        with transaction.atomic():
            notice = apply_transition(
                notice=notice,
                transition="claim",
                by=None,
                lease_owner=worker[:100],
                lease_expires_at=now + timedelta(seconds=settings.SEND_LEASE_SECONDS),
            )
            attempt = DeliveryAttempt.objects.create(
                notice=notice,
                channel=EMAIL,
                outcome=DeliveryAttempt.Outcome.PENDING,
                phase="connecting",
                idempotency_key=f"{notice.reference}/email",
                message_id=notice_message_id(notice),
                recipient=notice.merge_data.get("recipient", {}).get("email", ""),
                reply_to=notice_reply_to(notice),
                pdf_sha256=notice.pdf_sha256,
                started_at=now,
            )
            attempt.return_path = bounce_address(attempt.pk)  # names this attempt: known now
            attempt.save(update_fields=["return_path"])
    except NoticeStateError:
        return None  # another worker got there first
    return notice, attempt
