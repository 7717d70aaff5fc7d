"""A licensee's reporting duty in dates: the periods it must report on, and when each report
is due. One rule for the reminders (services/licence_reminders.py), the overdue check
(usage findings) and the dashboard's overdue figure.

A licence that reports every N months has periods of N calendar months from its start date; the
last one ends with the licence. A period's report is due USAGE_REPORT_DUE_BUSINESS_DAYS business
days (of the licensee's country) after the period ends. A period is reported when a usage
report of the licence covers the whole period."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from warnings_app.domain.deadlines import business_days_after
from warnings_app.models.licences import Licence
from warnings_app.models.usage import UsageReport

# A year after its end a licence has nothing left to report or remind of (its last report was
# due weeks after the end): the periodic jobs look no further back.
LOOK_BACK_DAYS = 366


@dataclass(frozen=True)
class ReportPeriod:
    start: date
    end: date
    due: date


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months, kept within the month (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"no day in {year}-{month}")  # unreachable: every month has a 28th


def report_periods(licence: Licence, *, until: date, due_business_days: int) -> list[ReportPeriod]:
    """The periods the licensee must report on that ended before `until` (each with its due
    date), oldest first; [] when the licence asks for no reports."""
    if not licence.reporting_months:
        return []
    last_day = licence.ends_on or until
    if licence.terminated_on is not None:
        last_day = min(last_day, licence.terminated_on - timedelta(days=1))
    country = licence.company.country.code if licence.company.country else "GB"
    periods, start = [], licence.starts_on
    while start <= last_day:
        end = min(add_months(start, licence.reporting_months) - timedelta(days=1), last_day)
        if end >= until:
            break
        due = business_days_after(end, due_business_days, country).due
        periods.append(ReportPeriod(start=start, end=end, due=due))
        start = end + timedelta(days=1)
    return periods


def reports_covering(licence_id: Any, period_start: Any, period_end: Any) -> QuerySet[UsageReport]:
    """The usage reports of the licence that cover a whole period: from its first day (or
    earlier) to its last (or later). A report of part of a period does not settle it. The
    arguments may be values or OuterRef expressions (the overdue figure's subquery)."""
    return UsageReport.objects.filter(
        licence_id=licence_id, period_start__lte=period_start, period_end__gte=period_end
    )


def is_reported(licence_id: int, period_start: date, period_end: date) -> bool:
    """Whether the period was reported: the rule for the reminders, the overdue findings and
    the overdue figure."""
    return reports_covering(licence_id, period_start, period_end).exists()
