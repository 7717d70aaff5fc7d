"""Reads of the print pages: the letters waiting for a print batch, how many per channel, the
batches prepared so far, the campaign a new batch is limited to and the letters in a batch."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from warnings_app.domain.licences import licensed_company
from warnings_app.models import Campaign, Company, DeliveryAttempt, Notice, PrintBatch
from warnings_app.models.lifecycle import NoticeStatus

# A letter may go into a batch once it is cleared for sending; one sent or delivered by e-mail
# may still need its paper copy.
READY = [NoticeStatus.QUEUED, NoticeStatus.SENT, NoticeStatus.DELIVERED]
CHANNELS = ("post", "courier")


def notices_awaiting_print(*, channel: str, campaign: Campaign | None = None) -> list[Notice]:
    """Letters cleared for sending by `channel` that no batch holds yet."""
    licensed_today = Company.objects.filter(licensed_company(timezone.localdate())).values("pk")
    notices = (
        Notice.objects.filter(status__in=READY, company__hold_automation=False)
        # A licensed company gets letters about its licence only (domain/licences.py).
        .exclude(Q(licence__isnull=True) & Q(company__in=licensed_today))
        .exclude(campaign__status__in=["paused", "cancelled"])
        .select_related("company", "template_version__template")
        .order_by("reference")
    )
    if campaign is not None:
        notices = notices.filter(campaign=campaign)
    taken = set(
        DeliveryAttempt.objects.filter(
            channel=channel, outcome__in=["pending", "accepted"]
        ).values_list("notice_id", flat=True)
    )
    return [n for n in notices if channel in n.channels and n.pk not in taken]


def print_waiting_counts() -> dict[str, int]:
    """Letters waiting for a batch, per paper channel (the same rule as notices_awaiting_print)."""
    return {channel: len(notices_awaiting_print(channel=channel)) for channel in CHANNELS}


def print_batches_recent(limit: int = 200) -> QuerySet[PrintBatch]:
    """The latest batches with their campaign and author: one query."""
    return PrintBatch.objects.select_related("campaign", "created_by")[:limit]


def campaigns_for_print(limit: int = 100) -> QuerySet[Campaign]:
    """The campaigns a batch may be limited to, newest first: one query."""
    return Campaign.objects.order_by("-created_at")[:limit]


def campaign_chosen(campaign_id: int) -> Campaign | None:
    """The campaign a new batch is limited to, or None when there is no such campaign: one
    query."""
    return Campaign.objects.filter(pk=campaign_id).first()


def batch_attempts(batch: PrintBatch) -> QuerySet[DeliveryAttempt]:
    """The batch's letters (its delivery attempts) with their notice and company, in the
    batch's order: one query."""
    return batch.attempts.select_related("notice__company").order_by("pk")
