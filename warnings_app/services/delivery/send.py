"""Sending one claimed notice: the checks made again as it leaves, the SMTP conversation
(outside any transaction, content handed over only while this worker holds the lease), and
the outcome recorded against that lease: sent, failed (permanent), queued again with backoff
(transient), or needs_reconciliation (content handed over, no answer)."""

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

from warnings_app.integrations.dkim_signing import DkimError
from warnings_app.integrations.emails import notice_email
from warnings_app.integrations.smtp import release_shared_backend, session_ended, shared_backend
from warnings_app.models import DeliveryAttempt, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.campaign_sending import campaign_sending_check_on_commit
from warnings_app.services.delivery.queue import EMAIL, notice_claim, presend_problems
from warnings_app.services.errors import NoticeStateError
from warnings_app.services.notices import apply_transition
from warnings_app.services.rendering import stored_pdf_bytes

# The package's name, as before the split: the logs and the runbook know it by that name.
logger = logging.getLogger("warnings_app.services.delivery")
Outcome = DeliveryAttempt.Outcome
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 600


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
    if isinstance(exc, DkimError):  # raised before any SMTP command: nothing left
        return "transient", f"not sent: {exc}"
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
    message = notice_email(
        notice, pdf=pdf, recipient=attempt.recipient, envelope_sender=attempt.return_path
    )
    content_started = False

    def on_content() -> None:
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
    if notice.follows_id and not problems and notice.follows is not None:
        reason = ladder_stop_reason(notice.follows)
        problems = [f"the ladder stopped: {reason}"] if reason else []
    return " ".join(problems)


def notice_deliver(*, notice_id: int, worker: str) -> str:
    """Deliver one queued notice by e-mail, once. Returns what happened: skipped, sent, failed,
    retry, unknown or lease-lost. Safe to run any number of times: only a queued notice whose
    backoff is over can be claimed, only one worker can claim it, and every later change
    requires that worker's lease."""
    claimed = notice_claim(notice_id, worker)
    if claimed is None:
        return "skipped"
    notice, attempt = claimed
    recipient = attempt.recipient
    owner = {"lease_owner": worker}
    blocker = _blocker(notice)
    if blocker:
        return attempt_finish(notice, attempt, "permanent", f"not sent: {blocker}", guard=owner)
    try:
        validate_email(recipient)
    except ValidationError:
        return attempt_finish(
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
        return attempt_finish(
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
        return attempt_finish(notice, attempt, kind, reply, guard=guard)
    except NoticeStateError:
        logger.error(
            "%s: outcome %s (%s) arrived after the lease was lost", notice.reference, kind, reply
        )
        return "lease-lost"


def _backoff(attempts: int) -> timedelta:
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 — jitter only


@transaction.atomic
def attempt_finish(
    notice: Notice, attempt: DeliveryAttempt, kind: str, reply: str, guard: dict[str, Any]
) -> str:
    """Record the attempt's outcome and move the notice; `guard` must still hold (the lease)."""
    now = timezone.now()
    outcome = {"accepted": Outcome.ACCEPTED, "unknown": Outcome.UNKNOWN}.get(kind, Outcome.FAILED)
    data = {"attempt_id": attempt.pk, "reply": reply[:500], "recipient": attempt.recipient}
    release = {"lease_owner": "", "lease_expires_at": None}
    # Counted only where it decides something (the limit, the backoff): not on every send.
    attempts = notice.deliveries.filter(channel=EMAIL).count() if kind == "transient" else 0
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
    if result != "retry":
        campaign_sending_check_on_commit(moved)
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
