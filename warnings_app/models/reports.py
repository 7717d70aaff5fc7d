"""Reporting tables: the dashboard reads these, never the notices themselves, so it costs the
same at 1,000 letters as at 100,000. `reports/rollup.py` rebuilds them on a schedule."""

from django.db import models
from django.db.models import Q


class FigureCounts(models.Model):
    """What a reporting row counts, for the first letters it covers."""

    issued = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    bounced = models.PositiveIntegerField(default=0)  # bounced and never delivered since
    replied = models.PositiveIntegerField(default=0)
    replied_late = models.PositiveIntegerField(default=0)  # first reply after the deadline
    resolved = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    # {status: count}, {outcome: count}, {business days to first reply: count},
    # {Monday of the week a reply came: count}
    statuses = models.JSONField(default=dict)
    outcomes = models.JSONField(default=dict)
    reply_days = models.JSONField(default=dict)
    reply_weeks = models.JSONField(default=dict)

    class Meta:
        abstract = True


class FigureCell(FigureCounts):
    """The counts for the first letters of one campaign, sent on one day, to companies of one
    segment in one jurisdiction: any filter with a date range is a sum of these."""

    campaign = models.ForeignKey(
        "warnings_app.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    segment = models.CharField(max_length=30)
    country = models.CharField(max_length=2)
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "segment", "country", "sent_on"], name="figure_cell_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.segment} {self.country} {self.sent_on}: {self.issued}"


class FigureSummary(FigureCounts):
    """The cells summed over every sending day, for each campaign, segment and jurisdiction and
    for "all" of each (ALL): a filter without dates reads one row and its neighbours, the same
    few dozen rows at any number of letters."""

    ALL = "*"
    NO_CAMPAIGN = "-"

    campaign_key = models.CharField(max_length=20)  # a campaign's pk, NO_CAMPAIGN or ALL
    segment = models.CharField(max_length=30)
    country = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_key", "segment", "country"], name="figure_summary_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_key} {self.segment} {self.country}: {self.issued}"


class DailySnapshot(models.Model):
    """The headline figures of one campaign (or of the letters outside any campaign) as they
    stood at the end of one day. Trend charts read these instead of replaying history."""

    day = models.DateField()
    campaign = models.ForeignKey(
        "warnings_app.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    issued = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    bounced = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "campaign_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "campaign"],
                condition=Q(campaign__isnull=False),
                name="snapshot_per_campaign_day",
            ),
            models.UniqueConstraint(
                fields=["day"], condition=Q(campaign__isnull=True), name="snapshot_loose_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.campaign_id}: {self.replied}/{self.issued} replied"
