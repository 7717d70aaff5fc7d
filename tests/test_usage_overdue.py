"""Overdue usage reports: the day after a period's report was due without one, one finding."""

import hashlib
from datetime import date, timedelta

import pytest
from django.conf import settings

from tests.factories import LicenceFactory, UserFactory
from warnings_app.domain.deadlines import business_days_after
from warnings_app.domain.licence_periods import report_periods
from warnings_app.models import AuditEvent, UsageFinding, UsageReport
from warnings_app.services.usage_overdue import usage_overdue_check

pytestmark = pytest.mark.django_db

FIRST_END = date(2026, 3, 31)


def _quarterly():
    return LicenceFactory(
        signed_on=date(2026, 1, 1),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        reporting_months=3,
        company__country="DE",
    )


def _due() -> date:
    return business_days_after(FIRST_END, settings.USAGE_REPORT_DUE_BUSINESS_DAYS, "DE").due


def test_a_report_is_overdue_the_day_after_it_was_due_and_found_once():
    licence = _quarterly()

    on_due_day = usage_overdue_check(today=_due())
    day_after = usage_overdue_check(today=_due() + timedelta(days=1))
    again = usage_overdue_check(today=_due() + timedelta(days=2))

    assert (on_due_day, day_after, again) == (0, 1, 0)
    finding = UsageFinding.objects.get(licence=licence)
    assert finding.kind == "report_overdue"
    assert finding.period_end == FIRST_END
    assert f"{_due():%d/%m/%Y}" in finding.detail
    assert AuditEvent.objects.filter(verb="usage_finding.report_overdue").count() == 1


def test_a_report_covering_the_periods_last_day_is_not_overdue():
    licence = _quarterly()
    UsageReport.objects.create(
        licence=licence,
        period_start=date(2026, 1, 1),
        period_end=FIRST_END,
        file="licences/usage/q1.csv",
        original_filename="q1.csv",
        content_type="text/csv",
        size=1,
        sha256=hashlib.sha256(b"q1").hexdigest(),
        imported_by=UserFactory(),
    )

    assert usage_overdue_check(today=_due() + timedelta(days=1)) == 0
    assert not UsageFinding.objects.exists()


def test_a_licence_without_a_reporting_duty_is_never_overdue():
    LicenceFactory(signed_on=date(2026, 1, 1), starts_on=date(2026, 1, 1), reporting_months=0)

    assert usage_overdue_check(today=date(2026, 11, 1)) == 0


def test_the_last_period_of_a_licence_that_ended_is_found_overdue_after_the_end():
    """The last report is due after the licence ends: the check still looks at it."""
    licence = LicenceFactory(
        starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 30), reporting_months=3
    )
    last = report_periods(licence, until=date(2027, 1, 1), due_business_days=20)[-1]
    assert last.end == date(2026, 6, 30)

    made = usage_overdue_check(today=last.due + timedelta(days=1))

    assert made == 2  # both quarters, the last one after the licence ended
    assert set(
        UsageFinding.objects.filter(licence=licence).values_list("period_end", flat=True)
    ) == {date(2026, 3, 31), date(2026, 6, 30)}


def test_a_report_of_part_of_a_period_does_not_settle_it():
    """Only a report of the whole period settles it: a report of its last week leaves it
    overdue, in the finding and in the dashboard's figure."""
    from warnings_app.selectors.licence_figures import overdue_usage_reports

    licence = _quarterly()
    first = report_periods(licence, until=date(2027, 1, 1), due_business_days=20)[0]
    UsageReport.objects.create(
        licence=licence,
        period_start=first.end - timedelta(days=6),
        period_end=first.end,
        file="licences/usage/part.csv",
        original_filename="part.csv",
        content_type="text/csv",
        size=1,
        sha256=hashlib.sha256(b"part").hexdigest(),
        imported_by=UserFactory(),
    )

    assert usage_overdue_check(today=first.due + timedelta(days=1)) == 1
    finding = UsageFinding.objects.get(licence=licence)
    assert (finding.period_start, finding.period_end) == (first.start, first.end)
    assert list(overdue_usage_reports(licence.pk)) == [finding]
