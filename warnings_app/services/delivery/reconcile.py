"""Resolving a letter whose outcome is unknown (needs_reconciliation): the SMTP conversation
broke after the content was handed over, so the server may or may not have taken it. Only a
lawyer decides, after checking (the relay's log by Message-ID, the company's acknowledgement):

- "delivered": the evidence shows it arrived. The letter counts as sent from the moment the
  last attempt started and its ladder is scheduled as after any send. The attempt stays
  `unknown`: evidence is never edited; the decision and its note are the audit event.
- "send_again": back to the queue for the normal delivery path, with the same Message-ID
  (it is the notice's, not the attempt's), so a server or mail client that de-duplicates by
  Message-ID can drop the copy if the first did arrive.

Both lock the row first: two people pressing at once resolve it once; the second is told it was
already resolved and nothing changes."""

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from warnings_app.models import Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.campaign_sending import campaign_sending_check_on_commit
from warnings_app.services.delivery.queue import EMAIL, presend_problems, publish_on_commit
from warnings_app.services.delivery.send import _schedule_followups
from warnings_app.services.errors import NoticeStateError, ServiceError
from warnings_app.services.notices import apply_transition

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

DELIVERED = "delivered"
SEND_AGAIN = "send_again"
ACTIONS = (DELIVERED, SEND_AGAIN)
# Who may issue letters may decide whether one went out or goes again (Legal; see migrations).
RESOLVE_PERMISSION = "warnings_app.send_notice"
NOTE_MAX_LENGTH = 2000


def may_resolve(user: "User | AnonymousUser") -> bool:
    """Whether this user may resolve a letter that needs reconciliation (pages and API ask)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(RESOLVE_PERMISSION))


def _checked(action: str, note: str, by: "User | AnonymousUser") -> str:
    """The note, stripped, once the request itself is acceptable; otherwise ServiceError."""
    if not may_resolve(by):
        raise ServiceError(
            "Only Legal may resolve a letter that needs reconciliation: marking it delivered or "
            "sending it again is a lawyer's decision."
        )
    if action not in ACTIONS:
        raise ServiceError(f"Unknown action “{action}”: choose “delivered” or “send_again”.")
    note = note.strip()
    if action == DELIVERED and not note:
        raise ServiceError(
            "Say what shows the letter arrived (the company's acknowledgement, the mail "
            "server's log line with the Message-ID) before marking it delivered."
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise ServiceError(f"The note is too long: at most {NOTE_MAX_LENGTH} characters.")
    return note


@transaction.atomic
def reconciliation_resolve(*, notice: Notice, by: "User", action: str, note: str) -> Notice:
    """needs_reconciliation -> sent ("delivered", note required) or -> queued ("send_again").
    Returns the notice as it now stands. Refuses (ServiceError, nothing changed) a caller who
    may not issue letters, an unknown action, a missing note, and a letter that is not waiting
    for reconciliation, which is what a second click or a re-run finds."""
    note = _checked(action, note, by)
    locked = (
        Notice.objects.select_for_update(of=("self",))
        .select_related("company", "campaign", "template_version")
        .filter(pk=notice.pk)
        .first()
    )
    if locked is None or locked.status != NoticeStatus.NEEDS_RECONCILIATION:
        state = NoticeStatus(locked.status).label.lower() if locked else "gone"
        raise NoticeStateError(
            f"{notice.reference} is {state}, not waiting for reconciliation: someone may have "
            "resolved it already. Nothing was changed."
        )
    attempts = list(locked.deliveries.filter(channel=EMAIL).order_by("started_at", "pk"))
    if not attempts:
        raise ServiceError(f"{locked.reference} has no e-mail attempt to reconcile.")
    last = attempts[-1]
    data = {
        "action": action,
        "note": note,
        "attempt_ids": [a.pk for a in attempts],
        "unknown_attempt_id": last.pk,
        "message_id": last.message_id,
        "resolved_by": by.get_username(),
    }
    if action == DELIVERED:
        sent = apply_transition(
            notice=locked, transition="reconcile_sent", by=by, data=data, sent_at=last.started_at
        )
        _schedule_followups(sent)
        campaign_sending_check_on_commit(sent)
        return sent
    problems = presend_problems(locked)
    if problems:
        raise ServiceError(f"{locked.reference} cannot be sent again: " + " ".join(problems))
    now = timezone.now()
    queued = apply_transition(
        notice=locked,
        transition="reconcile_send_again",
        by=by,
        data=data,
        enqueued_at=now,
        next_attempt_at=now,
        lease_owner="",
        lease_expires_at=None,
    )
    publish_on_commit([queued.pk])
    return queued
