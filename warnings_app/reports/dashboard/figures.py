"""The dashboard's figures for a filter, read from the reporting tables: without dates, a few
dozen summary rows; with a date range, the cells of those days (a few thousand at most, however
many letters). Then this week's ladder steps and the snapshots for the trend. A fixed number of
queries."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from warnings_app.models import (
    Campaign,
    DailySnapshot,
    FigureCell,
    FigureSummary,
    FollowUp,
    Response,
)
from warnings_app.reports.dashboard.rollup import SNAPSHOT_FIGURES, figures_built_at

TREND_DAYS = 90


@dataclass(frozen=True)
class Filters:
    campaign: Campaign | None = None
    segment: str = ""
    country: str = ""
    since: date | None = None  # letters sent on or after
    until: date | None = None  # letters sent on or before

    def cells(self) -> Any:
        qs = FigureCell.objects.all()
        if self.campaign is not None:
            qs = qs.filter(campaign=self.campaign)
        if self.segment:
            qs = qs.filter(segment=self.segment)
        if self.country:
            qs = qs.filter(country=self.country)
        if self.since:
            qs = qs.filter(sent_on__gte=self.since)
        if self.until:
            qs = qs.filter(sent_on__lte=self.until)
        return qs

    def notices(self, prefix: str) -> Q:
        """The same choice, on letters reached through `prefix` (e.g. "notice__")."""
        q = Q()
        if self.campaign is not None:
            q &= Q(**{f"{prefix}campaign": self.campaign})
        if self.segment:
            q &= Q(**{f"{prefix}company__segment": self.segment})
        if self.country:
            q &= Q(**{f"{prefix}company__country": self.country})
        if self.since:
            q &= Q(**{f"{prefix}sent_at__date__gte": self.since})
        if self.until:
            q &= Q(**{f"{prefix}sent_at__date__lte": self.until})
        return q


def _counter() -> defaultdict:
    return defaultdict(int)


@dataclass
class Figures:
    built_at: datetime | None
    totals: dict[str, int] = field(default_factory=_counter)
    statuses: dict[str, int] = field(default_factory=_counter)
    outcomes: dict[str, int] = field(default_factory=_counter)
    reply_days: dict[int, int] = field(default_factory=_counter)
    reply_weeks: dict[date, int] = field(default_factory=_counter)
    # {segment or country: {"issued": n, "replied": n, outcome: n, ...}}
    by_segment: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(_counter))
    by_country: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(_counter))
    # {campaign id: {"issued": n, "days": {business days: replies}}}
    by_campaign: dict[int | None, dict[str, Any]] = field(default_factory=dict)
    steps_due_this_week: int = 0
    trend: list[dict[str, Any]] = field(default_factory=list)

    def percent(self, name: str) -> float | None:
        issued = self.totals["issued"]
        return round(100 * self.totals[name] / issued, 1) if issued else None

    @property
    def median_days_to_reply(self) -> float | None:
        days = [d for d, n in sorted(self.reply_days.items()) for _ in range(n)]
        return statistics.median(days) if days else None


FIGURES = ("issued", "delivered", "bounced", "replied", "replied_late", "resolved", "overdue")
COLUMNS = (*FIGURES, "statuses", "outcomes", "reply_days", "reply_weeks")


def dashboard_figures(filters: Filters, *, today: date | None = None) -> Figures:
    today = today or timezone.localdate()
    figures = Figures(built_at=figures_built_at())
    if filters.since or filters.until:
        _from_cells(figures, filters)
    else:
        _from_summaries(figures, filters)
    figures.steps_due_this_week = _steps_due_this_week(filters, today)
    figures.trend = _trend(filters, today)
    return figures


def _from_cells(figures: Figures, filters: Filters) -> None:
    """A date range: sum the cells of the days in it."""
    rows = filters.cells().values_list("campaign_id", "segment", "country", *COLUMNS)
    for campaign_id, segment, country, *values in rows:
        counts, statuses, outcomes, days, weeks = _split(values)
        _add_totals(figures, counts, statuses, outcomes, days, weeks)
        _add_group(figures.by_segment[segment], counts, outcomes)
        _add_group(figures.by_country[country], counts, outcomes)
        _add_campaign(figures, campaign_id, counts, days)


def _from_summaries(figures: Figures, filters: Filters) -> None:
    """No date range: the summary row for the filter, and beside it the rows that split it by
    segment, by jurisdiction and by campaign. About forty rows whatever the number of letters."""
    every = FigureSummary.ALL
    c = str(filters.campaign.pk) if filters.campaign is not None else every
    s, k = filters.segment or every, filters.country or every
    rows = FigureSummary.objects.filter(
        Q(campaign_key=c, segment=s) | Q(campaign_key=c, country=k) | Q(segment=s, country=k)
    ).values_list("campaign_key", "segment", "country", *COLUMNS)
    for campaign, segment, country, *values in rows:
        counts, statuses, outcomes, days, weeks = _split(values)
        if (campaign, segment, country) == (c, s, k):
            _add_totals(figures, counts, statuses, outcomes, days, weeks)
        if (campaign, country) == (c, k) and segment != every and s in (every, segment):
            _add_group(figures.by_segment[segment], counts, outcomes)
        if (campaign, segment) == (c, s) and country != every and k in (every, country):
            _add_group(figures.by_country[country], counts, outcomes)
        if (segment, country) == (s, k) and campaign != every and c in (every, campaign):
            pk = None if campaign == FigureSummary.NO_CAMPAIGN else int(campaign)
            _add_campaign(figures, pk, counts, days)


def _split(values: list) -> tuple[dict[str, int], dict, dict, dict, dict]:
    counts = dict(zip(FIGURES, values[: len(FIGURES)], strict=True))
    return counts, *values[len(FIGURES) :]


def _add_totals(figures, counts, statuses, outcomes, days, weeks) -> None:
    _add(figures.totals, counts)
    _add(figures.statuses, statuses)
    _add(figures.outcomes, outcomes)
    for day, n in days.items():
        figures.reply_days[int(day)] += n
    for week, n in weeks.items():
        figures.reply_weeks[date.fromisoformat(week)] += n


def _add_group(group: dict[str, int], counts: dict[str, int], outcomes: dict[str, int]) -> None:
    group["issued"] += counts["issued"]
    group["replied"] += counts["replied"]
    _add(group, outcomes)


def _add_campaign(figures: Figures, pk: int | None, counts: dict, days: dict) -> None:
    campaign = figures.by_campaign.setdefault(pk, {"issued": 0, "days": defaultdict(int)})
    campaign["issued"] += counts["issued"]
    for day, n in days.items():
        campaign["days"][int(day)] += n


def _add(into: dict, counts: dict) -> None:
    for key, value in counts.items():
        into[key] += value


def week_bounds(today: date) -> tuple[datetime, datetime]:
    monday = today - timedelta(days=today.weekday())
    start = timezone.make_aware(datetime.combine(monday, time.min))
    return start, start + timedelta(days=7)


def _steps_due_this_week(filters: Filters, today: date) -> int:
    start, end = week_bounds(today)
    return (
        FollowUp.objects.filter(
            filters.notices("notice__"),
            status__in=[FollowUp.Status.SCHEDULED, FollowUp.Status.AWAITING_APPROVAL],
            due_at__gte=start,
            due_at__lt=end,
        )
        .values("pk")
        .count()
    )


def _trend(filters: Filters, today: date) -> list[dict[str, Any]]:
    """Headline figures per day for the last TREND_DAYS days, from the snapshots (per campaign:
    the segment, jurisdiction and date filters do not apply to them)."""
    qs = DailySnapshot.objects.filter(day__gt=today - timedelta(days=TREND_DAYS))
    if filters.campaign is not None:
        qs = qs.filter(campaign=filters.campaign)
    days: dict[date, dict[str, int]] = defaultdict(_counter)
    for row in qs.values("day", *SNAPSHOT_FIGURES):
        for name in SNAPSHOT_FIGURES:
            days[row["day"]][name] += row[name]
    return [{"day": day, **values} for day, values in sorted(days.items())]


OUTCOME_ORDER = [value for value, _ in Response.Outcome.choices]
