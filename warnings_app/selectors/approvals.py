"""Reads for approving and sending a campaign: the letters waiting for review in order, what a
Send would send by which channel, and how far the sending has come."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from warnings_app.models import Notice
from warnings_app.models.lifecycle import NoticeStatus

S = NoticeStatus
IN_FLIGHT = (S.QUEUED, S.SENDING)
NOT_DELIVERED = (S.FAILED, S.NEEDS_RECONCILIATION)
# A first letter that left: whatever happened to the matter after.
LEFT = (S.SENT, S.DELIVERED, S.BOUNCED, S.RESPONDED, S.RESOLVED, S.ESCALATED, S.CLOSED)
CHANNEL_LABELS = dict(Notice.Channel.choices)
# How a letter sent back by a reviewer marks its problem; the renders sweep and the generation
# progress tell it from a render that failed by this.
SENT_BACK = "Sent back: "


def letters_to_review(campaign_id: int) -> QuerySet[Notice]:
    """A campaign's first letters waiting for approval, in reference order."""
    return Notice.objects.filter(
        campaign_id=campaign_id, ladder_step__isnull=True, status=S.RENDERED
    ).order_by("reference", "pk")


@dataclass(frozen=True)
class Neighbours:
    position: int  # 1-based place of the letter among those waiting; 0 when it is not waiting
    waiting: int
    previous: int | None
    next: int | None


def review_neighbours(campaign_id: int, notice: Notice) -> Neighbours:
    """The letters before and after this one among those waiting (wrapping round), for j/k."""
    ids = list(letters_to_review(campaign_id).values_list("pk", flat=True))
    if notice.pk not in ids:
        return Neighbours(0, len(ids), ids[-1] if ids else None, ids[0] if ids else None)
    at = ids.index(notice.pk)
    others = len(ids) > 1
    return Neighbours(
        position=at + 1,
        waiting=len(ids),
        previous=ids[at - 1] if others else None,
        next=ids[(at + 1) % len(ids)] if others else None,
    )


@dataclass(frozen=True)
class SendPlan:
    letters: int
    by_channel: list[tuple[str, int]]  # ("E-mail", 18), ("Post", 2): a letter may go by both


def campaign_send_plan(campaign_id: int) -> SendPlan:
    """What Send would queue: the campaign's approved letters and their channels."""
    channels = list(
        Notice.objects.filter(campaign_id=campaign_id, status=S.APPROVED).values_list(
            "channels", flat=True
        )
    )
    counts = Counter(channel for chosen in channels for channel in chosen)
    return SendPlan(
        letters=len(channels),
        by_channel=[(CHANNEL_LABELS.get(c, c), n) for c, n in sorted(counts.items())],
    )


def campaign_sending_progress(campaign_id: int) -> dict[str, int]:
    """The first letters that were sent off: how many left, failed or wait for a person, and how
    many are still on their way. One query."""
    by_status = dict(
        Notice.objects.filter(campaign_id=campaign_id, ladder_step__isnull=True)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    sent = sum(by_status.get(s, 0) for s in LEFT)
    failed = sum(by_status.get(s, 0) for s in NOT_DELIVERED)
    in_flight = sum(by_status.get(s, 0) for s in IN_FLIGHT)
    return {
        "sent": sent,
        "failed": failed,
        "in_flight": in_flight,
        "total": sent + failed + in_flight,
        "awaiting_approval": by_status.get(S.RENDERED, 0),
        "approved": by_status.get(S.APPROVED, 0),
    }


def campaign_not_delivered(campaign_id: int, limit: int = 20) -> list[Notice]:
    """First letters that failed or wait for reconciliation: why a campaign is partly sent."""
    return list(
        Notice.objects.filter(
            campaign_id=campaign_id, ladder_step__isnull=True, status__in=NOT_DELIVERED
        )
        .select_related("company")
        .order_by("reference")[:limit]
    )
