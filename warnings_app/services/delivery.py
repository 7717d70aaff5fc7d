"""E-mail delivery of notices: the database decides, the broker only wakes workers.

queue (intent committed, task published after commit) -> claim (guarded, with a lease) ->
SMTP outside any transaction -> outcome recorded: sent, failed (permanent), queued again with
backoff (transient), or needs_reconciliation (content handed over, no answer)."""

import hashlib
import logging
import random
import smtplib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone

from warnings_app.integrations.emails import notice_email, notice_message_id
from warnings_app.integrations.smtp import release_shared_backend, session_ended, shared_backend
from warnings_app.models import Campaign, DeliveryAttempt, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.errors import NoticeStateError, ServiceError
from warnings_app.services.notices import apply_transition
from warnings_app.services.rendering import stored_pdf_bytes

logger = logging.getLogger(__name__)
EMAIL = Notice.Channel.EMAIL
Outcome = DeliveryAttempt.Outcome
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 600
REPUBLISH_AFTER = timedelta(minutes=2)
CAMPAIGN_HELD = (Campaign.Status.PAUSED, Campaign.Status.CANCELLED)


def presend_problems(notice: Notice) -> list[str]:
    """Everything that blocks sending, as sentences. Empty when the notice may go."""
    problems = []
    company = notice.company
    if company.licensed_do_not_send:
        problems.append(f"{company} is licensed: no letter may be sent to it.")
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
def notice_queue(*, notice: Notice, by: Any) -> Notice:
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

    for notice_id in notice_ids:
        send_notice_task.delay_on_commit(notice_id)


def _claim(notice_id: int, worker: str) -> tuple[Notice, DeliveryAttempt] | None:
    """queued -> sending under this worker's lease, with the attempt recorded in the same
    transaction. None when the notice is not this worker's to send now."""
    now = timezone.now()
    notice = (
        Notice.objects.select_related("company", "template_version", "campaign")
        .filter(pk=notice_id, status=NoticeStatus.QUEUED)
        .first()
    )
    if notice is None or (notice.next_attempt_at and notice.next_attempt_at > now):
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
                outcome=Outcome.PENDING,
                phase="connecting",
                idempotency_key=f"{notice.reference}/email",
                message_id=notice_message_id(notice),
                recipient=notice.merge_data.get("recipient", {}).get("email", ""),
                pdf_sha256=notice.pdf_sha256,
                started_at=now,
            )
    except NoticeStateError:
        return None  # another worker got there first
    return notice, attempt


def _reply_text(code: int | None, text: Any) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return f"{code} {text}".strip() if code else str(text)


class LeaseLost(Exception):
    """This worker's claim on the notice ended (the sweeper recovered it); stop at once."""


def _classify(exc: Exception, attempt: DeliveryAttempt) -> tuple[str, str]:
    """(kind, server reply) where kind is permanent, transient or unknown. Only the server's
    refusal of this recipient or this message is permanent; trouble with the connection, the
    login or our own sender address is the relay's problem, so it is retried."""
    attempt.refresh_from_db(fields=["phase"])
    after_content = attempt.phase == "content"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = max(exc.recipients.values(), default=(550, b"recipient refused"))
        return ("permanent" if code >= 500 else "transient"), _reply_text(code, text)
    if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 400:
        kind = "permanent" if exc.smtp_code >= 500 else "transient"
        return kind, _reply_text(exc.smtp_code, exc.smtp_error)
    if after_content:
        return "unknown", f"no clear answer after the message was handed over: {exc!r}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return "transient", "mail server or relay problem: " + _reply_text(
            exc.smtp_code, exc.smtp_error
        )
    return "transient", f"connection failed before the message was handed over: {exc!r}"


def _mark_content(attempt: DeliveryAttempt, worker: str) -> None:
    """Called just before the message content goes out: only while this worker still holds the
    notice. Otherwise the send is aborted before anything reaches the server."""
    moved = DeliveryAttempt.objects.filter(
        pk=attempt.pk,
        outcome=Outcome.PENDING,
        notice__status=NoticeStatus.SENDING,
        notice__lease_owner=worker,
    ).update(phase="content")
    if moved != 1:
        raise LeaseLost(f"lease on {attempt.notice_id} lost before the content was sent")


def _smtp_send(notice: Notice, attempt: DeliveryAttempt, pdf: bytes, worker: str) -> str:
    """Send; return the server's reply. Raises what smtplib/socket raise, or LeaseLost. The
    process's SMTP session is reused after a clean send; if the server closed it meanwhile
    (found out before any content left), the message goes once more on a new session."""
    message = notice_email(notice, pdf=pdf, recipient=attempt.recipient)
    content_started = False

    def on_content():
        nonlocal content_started
        _mark_content(attempt, worker)
        content_started = True

    while True:
        backend, reused = shared_backend()
        healthy = False
        try:
            connection = getattr(backend, "connection", None)
            if connection is not None:
                connection.last_reply = None
                connection.on_content = on_content
            if backend.send_messages([message]) != 1:
                raise smtplib.SMTPException("the mail backend sent nothing")
            reply = getattr(connection, "last_reply", None)
            healthy = True
            return _reply_text(*reply) if reply else "250 accepted"
        except Exception as exc:
            if reused and not content_started and session_ended(exc):
                continue  # a stale session, not a refusal: shared_backend() now opens a new one
            raise
        finally:
            release_shared_backend(backend, healthy=healthy)


def _blocker(notice: Notice) -> str:
    """Checked again when the letter is about to leave: things change while it waits."""
    from warnings_app.services.followups import ladder_stop_reason

    problems = presend_problems(notice)
    if notice.follows_id and not problems:
        reason = ladder_stop_reason(notice.follows)
        problems = [f"the ladder stopped: {reason}"] if reason else []
    return " ".join(problems)


def notice_deliver(*, notice_id: int, worker: str) -> str:
    """Deliver one queued notice by e-mail, once. Returns what happened: skipped, sent, failed,
    retry, unknown or lease-lost. Safe to run any number of times: only a queued notice whose
    backoff is over can be claimed, only one worker can claim it, and every later change
    requires that worker's lease."""
    claimed = _claim(notice_id, worker)
    if claimed is None:
        return "skipped"
    notice, attempt = claimed
    recipient = attempt.recipient
    owner = {"lease_owner": worker}
    blocker = _blocker(notice)
    if blocker:
        return _finish(notice, attempt, "permanent", f"not sent: {blocker}", guard=owner)
    try:
        validate_email(recipient)
    except ValidationError:
        return _finish(
            notice,
            attempt,
            "permanent",
            f"not sent: “{recipient}” is not a valid e-mail address",
            guard=owner,
        )
    try:
        pdf = stored_pdf_bytes(notice)
    except FileNotFoundError:
        pdf = b""
    if hashlib.sha256(pdf).hexdigest() != notice.pdf_sha256:
        # The bytes that leave must be the bytes that were approved.
        return _finish(
            notice,
            attempt,
            "permanent",
            "not sent: stored PDF missing or altered since it was rendered (SHA-256 differs)",
            guard=owner,
        )
    try:
        reply = _smtp_send(notice, attempt, pdf, worker)
    except LeaseLost:
        return "lease-lost"
    except Exception as exc:  # any failure is classified by how far the conversation got
        kind, reply = _classify(exc, attempt)
        return _finish_or_lost(notice, attempt, kind, reply, guard=owner)
    return _finish_or_lost(notice, attempt, "accepted", reply, guard=owner)


def _finish_or_lost(
    notice: Notice, attempt: DeliveryAttempt, kind: str, reply: str, guard: dict[str, Any]
) -> str:
    try:
        return _finish(notice, attempt, kind, reply, guard=guard)
    except NoticeStateError:
        logger.error(
            "%s: outcome %s (%s) arrived after the lease was lost", notice.reference, kind, reply
        )
        return "lease-lost"


def _backoff(attempts: int) -> timedelta:
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 — jitter only


@transaction.atomic
def _finish(
    notice: Notice, attempt: DeliveryAttempt, kind: str, reply: str, guard: dict[str, Any]
) -> str:
    """Record the attempt's outcome and move the notice; `guard` must still hold (the lease)."""
    now = timezone.now()
    outcome = {"accepted": Outcome.ACCEPTED, "unknown": Outcome.UNKNOWN}.get(kind, Outcome.FAILED)
    data = {"attempt_id": attempt.pk, "reply": reply[:500], "recipient": attempt.recipient}
    release = {"lease_owner": "", "lease_expires_at": None}
    attempts = notice.deliveries.filter(channel=EMAIL).count()
    if kind == "transient" and attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        kind, data["reply"] = "permanent", f"gave up after {attempts} attempts; last: {reply}"[:500]
    if kind == "accepted":
        moved = apply_transition(
            notice=notice,
            transition="mark_sent",
            by=None,
            data=data,
            guard=guard,
            sent_at=now,
            **release,
        )
        result = "sent"
    elif kind == "permanent":
        moved = apply_transition(
            notice=notice, transition="mark_failed", by=None, data=data, guard=guard, **release
        )
        result = "failed"
    elif kind == "unknown":
        moved = apply_transition(
            notice=notice,
            transition="park_for_reconciliation",
            by=None,
            data=data,
            guard=guard,
            **release,
        )
        result = "unknown"
    else:
        moved = apply_transition(
            notice=notice,
            transition="release",
            by=None,
            data=data,
            guard=guard,
            next_attempt_at=now + _backoff(attempts),
            **release,
        )
        result = "retry"
    DeliveryAttempt.objects.filter(pk=attempt.pk, outcome=Outcome.PENDING).update(
        outcome=outcome,
        server_reply=reply[:5000],
        finished_at=now,
        phase="done" if kind == "accepted" else models.F("phase"),
    )
    if result == "sent":
        _schedule_followups(moved)
    return result


def _schedule_followups(notice: Notice) -> None:
    """A ladder that cannot be scheduled must not undo the delivery: record it and go on."""
    from warnings_app.services.audit import audit_record
    from warnings_app.services.followups import followups_schedule

    try:
        with transaction.atomic():
            followups_schedule(notice=notice)
    except Exception as exc:
        logger.exception("scheduling the ladder of %s failed", notice.reference)
        audit_record(
            actor=None,
            verb="followup.schedule_failed",
            target=notice,
            data={"error": repr(exc)[:500]},
        )


def notices_sweep(*, now=None) -> dict[str, int]:
    """Recover what workers lost: notices whose lease ran out while sending, and queued notices
    whose task never ran (a lost or flushed broker message). Safe to run from several places
    at once: every change is guarded on the expired lease it found."""
    now = now or timezone.now()
    recovered = 0
    stale = Notice.objects.filter(status=NoticeStatus.SENDING, lease_expires_at__lt=now)
    for notice in stale.select_related("company", "template_version")[:500]:
        guard = {"lease_owner": notice.lease_owner, "lease_expires_at__lt": now}
        attempt = notice.deliveries.filter(channel=EMAIL, outcome=Outcome.PENDING).last()
        try:
            if attempt is None:
                apply_transition(
                    notice=notice,
                    transition="release",
                    by=None,
                    guard=guard,
                    data={"reply": "lease expired before any attempt"},
                    lease_owner="",
                    lease_expires_at=None,
                    next_attempt_at=None,
                )
            elif attempt.phase == "content":
                _finish(
                    notice,
                    attempt,
                    "unknown",
                    "worker stopped after handing the message over; the server's answer is unknown",
                    guard=guard,
                )
            else:
                _finish(
                    notice,
                    attempt,
                    "transient",
                    "worker stopped before handing the message over",
                    guard=guard,
                )
                # Nothing reached the server: try again at once rather than after a backoff.
                Notice.objects.filter(pk=notice.pk, status=NoticeStatus.QUEUED).update(
                    next_attempt_at=None
                )
            recovered += 1
        except NoticeStateError:
            continue  # the worker finished, or another sweeper recovered it meanwhile
    due = (
        Notice.objects.filter(status=NoticeStatus.QUEUED, company__hold_automation=False)
        .exclude(campaign__status__in=CAMPAIGN_HELD)
        .exclude(next_attempt_at__gt=now)
        .exclude(enqueued_at__gt=now - REPUBLISH_AFTER)
    )
    ids = [pk for pk, channels in due.values_list("pk", "channels")[:2000] if EMAIL in channels]
    with transaction.atomic():
        Notice.objects.filter(pk__in=ids, status=NoticeStatus.QUEUED).update(enqueued_at=now)
        publish_on_commit(ids)
    return {"recovered": recovered, "republished": len(ids)}
