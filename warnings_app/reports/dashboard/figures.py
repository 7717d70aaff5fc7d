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

from warnings_app.models import DailySnapshot, FigureSummary, FollowUp, Response
from warnings_app.reports.dashboard.rollup import SNAPSHOT_FIGURES, figures_built_at
from warnings_app.selectors.letter_filters import LetterFilter

TREND_DAYS = 90


def _counter() -> defaultdict[Any, int]:
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


# A reporting row's {key: count} column, as the JSON field gives it back (keys are text).
_Counts = dict[str, int]
FIGURES = ("issued", "delivered", "bounced", "replied", "replied_late", "resolved", "overdue")
COLUMNS = (*FIGURES, "statuses", "outcomes", "reply_days", "reply_weeks")


def dashboard_figures(filters: LetterFilter, *, today: date | None = None) -> Figures:
    today = today or timezone.localdate()
    figures = Figures(built_at=figures_built_at())
    if filters.by_date:
        _from_cells(figures, filters)
    else:
        _from_summaries(figures, filters)
    figures.steps_due_this_week = _steps_due_this_week(filters, today)
    figures.trend = _trend(filters, today)
    return figures


def _from_cells(figures: Figures, filters: LetterFilter) -> None:
    """A date range: sum the cells of the days in it."""
    rows = filters.figure_cells().values_list("campaign_id", "segment", "country", *COLUMNS)
    for campaign_id, segment, country, *values in rows:
        counts, statuses, outcomes, days, weeks = _split(values)
        _add_totals(figures, counts, statuses, outcomes, days, weeks)
        _add_group(figures.by_segment[segment], counts, outcomes)
        _add_group(figures.by_country[country], counts, outcomes)
        _add_campaign(figures, campaign_id, counts, days)


def _from_summaries(figures: Figures, filters: LetterFilter) -> None:
    """No date range: the summary row for the filter, and beside it the rows that split it by
    segment, by jurisdiction and by campaign. About forty rows whatever the number of letters."""
    every = FigureSummary.ALL
    c, s, k = filters.summary_key()
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


def _split(values: list[Any]) -> tuple[dict[str, int], _Counts, _Counts, _Counts, _Counts]:
    counts = dict(zip(FIGURES, values[: len(FIGURES)], strict=True))
    statuses, outcomes, days, weeks = values[len(FIGURES) :]
    return counts, statuses, outcomes, days, weeks


def _add_totals(
    figures: Figures,
    counts: _Counts,
    statuses: _Counts,
    outcomes: _Counts,
    days: _Counts,
    weeks: _Counts,
) -> None:
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


def _add_campaign(figures: Figures, pk: int | None, counts: _Counts, days: _Counts) -> None:
    campaign = figures.by_campaign.setdefault(pk, {"issued": 0, "days": defaultdict(int)})
    campaign["issued"] += counts["issued"]
    for day, n in days.items():
        campaign["days"][int(day)] += n


def _add(into: dict[str, int], counts: _Counts) -> None:
    for key, value in counts.items():
        into[key] += value


def week_bounds(today: date) -> tuple[datetime, datetime]:
    monday = today - timedelta(days=today.weekday())
    start = timezone.make_aware(datetime.combine(monday, time.min))
    return start, start + timedelta(days=7)


def _steps_due_this_week(filters: LetterFilter, today: date) -> int:
    start, end = week_bounds(today)
    return (
        FollowUp.objects.filter(
            filters.on_letters("notice__"),
            status__in=[FollowUp.Status.SCHEDULED, FollowUp.Status.AWAITING_APPROVAL],
            due_at__gte=start,
            due_at__lt=end,
        )
        .values("pk")
        .count()
    )


def _trend(filters: LetterFilter, today: date) -> list[dict[str, Any]]:
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
