"""Overdue usage reports: a period whose report was due and never came is a finding, once.

The periods and their due dates are domain/licence_periods.report_periods'; a period is
reported when a usage report of the licence covers its last day. Called by the licence dates
job every time it runs: a period already found overdue is left alone."""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from warnings_app.domain.licence_periods import LOOK_BACK_DAYS, is_reported, report_periods
from warnings_app.models.licences import Licence
from warnings_app.models.usage import UsageFinding
from warnings_app.services.audit import audit_record


def usage_overdue_check(*, today: date) -> int:
    """For every licence that asks for usage reports, one `report_overdue` finding for each
    period whose report was due before `today` and has not come — the last period's report is
    due after the licence ends, so licences that ended within LOOK_BACK_DAYS are looked at too.
    Returns how many findings it made; run again the same day, it makes none."""
    made = 0
    licences = (
        Licence.objects.filter(starts_on__lte=today, reporting_months__gt=0)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today - timedelta(days=LOOK_BACK_DAYS)))
        .select_related("company")
        .order_by("pk")
    )
    for licence in licences:
        found = set(
            UsageFinding.objects.filter(
                licence=licence, kind=UsageFinding.Kind.REPORT_OVERDUE
            ).values_list("period_end", flat=True)
        )
        periods = report_periods(
            licence, until=today, due_business_days=settings.USAGE_REPORT_DUE_BUSINESS_DAYS
        )
        for period in periods:
            if (
                period.due >= today
                or period.end in found
                or is_reported(licence.pk, period.start, period.end)
            ):
                continue
            made += _finding_make(licence, period.start, period.end, period.due)
    return made


@transaction.atomic
def _finding_make(licence: Licence, start: date, end: date, due: date) -> int:
    finding, created = UsageFinding.objects.get_or_create(
        licence=licence,
        kind=UsageFinding.Kind.REPORT_OVERDUE,
        period_end=end,
        defaults={
            "period_start": start,
            "detail": f"No usage report for {start:%d/%m/%Y}–{end:%d/%m/%Y}; it was due on "
            f"{due:%d/%m/%Y}.",
        },
    )
    if created:
        audit_record(
            actor=None,
            verb="usage_finding.report_overdue",
            target=finding,
            data={"licence_id": licence.pk, "period_end": end.isoformat(), "due": due.isoformat()},
        )
    return int(created)
