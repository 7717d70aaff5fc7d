"""The notice state machine as data: the states, and for each transition the states it may start
from and the state it ends in. `services.notices` is the only code that applies it."""

from dataclasses import dataclass

from django.db import models


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RENDERED = "rendered", "Rendered"
    APPROVED = "approved", "Approved"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    BOUNCED = "bounced", "Bounced"
    RESPONDED = "responded", "Responded"
    RESOLVED = "resolved", "Resolved"
    ESCALATED = "escalated", "Escalated"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    FAILED = "failed", "Failed"
    NEEDS_RECONCILIATION = "needs_reconciliation", "Needs reconciliation"


S = NoticeStatus


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    verb: str  # the audit event's verb

    def allows(self, status: str) -> bool:
        return status in self.sources


def _t(name: str, sources: set[str], target: str, verb: str = "") -> Transition:
    return Transition(
        name=name, sources=frozenset(sources), target=target, verb=verb or f"notice.{name}"
    )


# Where a letter has gone out and the matter is still open.
_OUT = {S.SENT, S.DELIVERED, S.BOUNCED}
OPEN = frozenset(_OUT)  # the same, for code outside this module: overdue, chasing, holding

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("render", {S.DRAFT}, S.RENDERED),
        _t("rerender", {S.RENDERED}, S.RENDERED),  # only before approval; the old PDF is kept
        _t("reject", {S.RENDERED}, S.DRAFT),  # sent back for changes before approval
        _t("approve", {S.RENDERED}, S.APPROVED),
        _t("queue", {S.APPROVED}, S.QUEUED),
        _t("claim", {S.QUEUED}, S.SENDING),  # a worker takes the notice under a lease
        _t("release", {S.SENDING}, S.QUEUED),  # a lease expired before any provider call
        _t("mark_sent", {S.SENDING}, S.SENT),
        _t("mark_failed", {S.SENDING, S.QUEUED}, S.FAILED),
        _t("park_for_reconciliation", {S.SENDING}, S.NEEDS_RECONCILIATION),
        # A lawyer resolves an unknown outcome (services/delivery/reconcile.py): the evidence
        # shows the server took the letter, or it goes again with the same Message-ID. The
        # audit verb names the decision, since the event carries the note that justifies it.
        _t("reconcile_sent", {S.NEEDS_RECONCILIATION}, S.SENT, "delivery.reconciled_delivered"),
        _t(
            "reconcile_send_again",
            {S.NEEDS_RECONCILIATION},
            S.QUEUED,
            "delivery.reconciled_send_again",
        ),
        _t("reconcile_failed", {S.NEEDS_RECONCILIATION}, S.FAILED),
        _t("retry", {S.FAILED, S.BOUNCED}, S.APPROVED),
        _t("mark_delivered", {S.SENT}, S.DELIVERED),
        _t("mark_bounced", {S.SENT, S.DELIVERED}, S.BOUNCED),
        _t("record_response", _OUT | {S.ESCALATED}, S.RESPONDED),
        _t("resolve", {S.RESPONDED, S.ESCALATED}, S.RESOLVED),
        _t("escalate", _OUT | {S.RESPONDED}, S.ESCALATED),
        _t("close", _OUT | {S.RESPONDED, S.RESOLVED, S.ESCALATED, S.FAILED}, S.CLOSED),
        _t("withdraw", {S.DRAFT, S.RENDERED, S.APPROVED, S.QUEUED}, S.WITHDRAWN),
    ]
}

TERMINAL = frozenset({S.CLOSED, S.WITHDRAWN})
