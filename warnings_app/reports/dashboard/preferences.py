"""The dashboard's section on artists' AI-training preferences: artists and works by preference
today, statements recorded per month, and artists by preference at each month's end. The
register is small beside the letters (hundreds of artists, not a million notices), and the
section reads it in a fixed number of queries however large it grows."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, DateField
from django.db.models.functions import TruncMonth
from django.utils import timezone

from warnings_app.models import Artist, Preference, PreferenceStatement
from warnings_app.reports.dashboard import charts
from warnings_app.reports.dashboard.page import Chart
from warnings_app.selectors.preference_register import LABELS, NOT_RECORDED, register_counts

MONTHS = 12


@dataclass
class PreferencesSection:
    today: date
    rows: list[tuple[str, str, int, int]]  # (key, label, artists, works)
    charts: list[Chart]


def _month_starts(today: date) -> list[date]:
    """The first days of the last MONTHS months, oldest first, this month last."""
    starts = [today.replace(day=1)]
    while len(starts) < MONTHS:
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    return starts


def _month_end(start: date, today: date) -> date:
    following = (start + timedelta(days=32)).replace(day=1)
    return min(following - timedelta(days=1), today)


def preferences_section(today: date | None = None) -> PreferencesSection:
    today = today or timezone.localdate()
    counts = register_counts(today)
    months = _month_starts(today)
    return PreferencesSection(
        today=today,
        rows=[
            (key, label, counts["artists"][key], counts["works"][key])
            for key, label in LABELS.items()
        ],
        charts=[_recorded_per_month(months), _state_at_month_end(months, today)],
    )


def _recorded_per_month(months: list[date]) -> Chart:
    """Statements recorded (by when they were recorded, not when they take effect) per month."""
    recorded = (
        PreferenceStatement.objects.filter(created_at__date__gte=months[0])
        .annotate(month=TruncMonth("created_at", output_field=DateField()))
        .values("month", "preference")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_month: dict[date, dict[str, int]] = defaultdict(dict)
    for row in recorded:
        by_month[row["month"]][row["preference"]] = row["n"]
    preferences = Preference.choices
    return Chart(
        key="preferences_recorded",
        title="Preference statements recorded per month",
        svg=charts.columns(
            "preferences_recorded",
            "Preference statements recorded per month",
            [(f"{month:%b %y}", sum(by_month[month].values())) for month in months],
        ),
        headers=["Month", *(label for _, label in preferences), "All"],
        rows=[
            [
                f"{month:%B %Y}",
                *(by_month[month].get(key, 0) for key, _ in preferences),
                sum(by_month[month].values()),
            ]
            for month in months
        ]
        if any(by_month.values())
        else [],
        note="Every change is a new statement: by the day it was recorded, whether staff "
        "recorded it or the artist answered a private link.",
    )


def _state_at_month_end(months: list[date], today: date) -> Chart:
    """Artists by preference at each month's end (today for this month), as the register now
    reads: the latest statement in effect on that day, in the register's order."""
    statements = sorted(
        PreferenceStatement.objects.filter(effective_from__lte=today).values_list(
            "artist_id", "preference", "effective_from", "created_at", "pk"
        ),
        key=lambda s: (s[2], s[3], s[4]),
    )
    joined = dict(Artist.objects.values_list("pk", "created_at"))
    keys = list(LABELS)
    rows = []
    for start in months:
        end = _month_end(start, today)
        latest: dict[int, str] = {}
        for artist_id, preference, effective_from, _created, _pk in statements:
            if effective_from > end:
                break
            latest[artist_id] = preference
        counts = dict.fromkeys(keys, 0)
        for preference in latest.values():
            counts[preference] += 1
        counts[NOT_RECORDED] = sum(
            1
            for pk, created in joined.items()
            if pk not in latest and timezone.localdate(created) <= end
        )
        rows.append((end, counts))
    return Chart(
        key="preferences_by_month",
        title="Artists by preference at each month's end",
        svg=charts.stacked(
            "preferences_by_month",
            "Artists by preference at each month's end",
            [(f"{end:%-d %b %Y}", counts) for end, counts in rows],
            [(key, LABELS[key]) for key in keys],
        ),
        headers=["Month end", *(LABELS[key] for key in keys)],
        rows=[[f"{end:%-d %b %Y}", *(counts[k] for k in keys)] for end, counts in rows]
        if joined
        else [],
        note="By the day each statement takes effect; this month's row is today.",
    )
