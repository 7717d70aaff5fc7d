"""The licences' dates, acted on by one periodic job (and `manage.py licence_dates --today`):

- a signed licence whose start date has come: its matter moves to active;
- LICENCE_END_REMINDER_BUSINESS_DAYS business days (of the licensee's country) before a licence
  ends, and not before: an "ends" reminder, unless a renewal is already recorded;
- USAGE_REPORT_REMINDER_BUSINESS_DAYS business days before a usage report falls due
  (domain/licence_periods.py), while the report has not come: a "report due" reminder;
- the day after a licence ends with no renewal starting by then: an "expired" reminder, and
  its matter moves to expired. From that day the company is not licensed for the uses that
  lapsed (domain/licences.py reads the dates; nothing here changes a licence).

Each reminder is a row, unique per licence, kind and due date, audited when it is raised: the
job may run as often as it likes, or late, and raises each reminder once."""

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from warnings_app.domain.deadlines import business_days_before
from warnings_app.domain.licence_periods import LOOK_BACK_DAYS, is_reported, report_periods
from warnings_app.models import Licence, LicenceMatter, LicenceReminder
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError
from warnings_app.services.licence_moves import matter_move
from warnings_app.services.usage_overdue import usage_overdue_check

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Kind = LicenceReminder.Kind


@dataclass
class DatesRun:
    started: int = 0
    ends: int = 0
    report_due: int = 0
    expired: int = 0
    overdue: int = 0  # usage reports found overdue (services/usage_overdue.py)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _country(licence: Licence) -> str:
    return licence.company.country.code if licence.company.country else "GB"


def end_reminder_day(licence: Licence) -> date | None:
    """The business day the "ends" reminder is raised on (None: the licence has no end)."""
    if licence.ends_on is None:
        return None
    days = settings.LICENCE_END_REMINDER_BUSINESS_DAYS
    return business_days_before(licence.ends_on, days, _country(licence))


def _renewed_by(licence: Licence, day: date) -> bool:
    """A renewal of `licence` recorded and not terminated, starting no later than `day`."""
    return licence.renewals.filter(
        Q(terminated_on__isnull=True) | Q(terminated_on__gt=day), starts_on__lte=day
    ).exists()


def _raise(licence: Licence, kind: str, due_on: date, today: date) -> bool:
    """Adds the reminder unless it exists; audits it when added. True when added."""
    try:
        with transaction.atomic():
            reminder, created = LicenceReminder.objects.get_or_create(
                licence=licence, kind=kind, due_on=due_on, defaults={"raised_on": today}
            )
            if created:
                audit_record(
                    actor=None,
                    verb="licence.reminder_raised",
                    target=licence,
                    to_state=kind,
                    data={"reminder": reminder.pk, "kind": kind, "due_on": due_on.isoformat()},
                )
    except IntegrityError:  # another run raised it at the same moment
        return False
    return created


def _start(licence: Licence, today: date) -> int:
    matter = licence.matter
    if matter is None or matter.stage != "signed" or licence.starts_on > today:
        return 0
    if licence.terminated_on is not None and licence.terminated_on <= today:
        return 0
    try:
        matter_move(
            matter=matter,
            to_stage="active",
            by=None,
            reason=f"Licence {licence.reference} in force from {licence.starts_on}",
        )
    except ServiceError:  # moved meanwhile by someone else
        return 0
    return 1


def _expire(licence: Licence, ends_on: date, today: date, run: DatesRun) -> None:
    day_after = ends_on + timedelta(days=1)
    renewed = _renewed_by(licence, day_after)
    if not renewed:
        run.expired += _raise(licence, Kind.EXPIRED, day_after, today)
    matter = licence.matter
    # A renewal in force carries on in its own talks; these end with their licence either way,
    # so "talks by stage" agrees with "licences in force".
    if matter is not None and not (renewed and matter.licences.filter(renews=licence).exists()):
        stage = LicenceMatter.objects.filter(pk=matter.pk).values_list("stage", flat=True).get()
        if stage in ("signed", "active"):
            with suppress(ServiceError):  # another run moved it a moment ago
                matter_move(
                    matter=matter,
                    to_stage="expired",
                    by=None,
                    reason=f"Licence {licence.reference} ended on {ends_on}"
                    + (", renewed" if renewed else ", not renewed"),
                )


def _report_reminders(licence: Licence, today: date, run: DatesRun) -> None:
    periods = report_periods(
        licence, until=today, due_business_days=settings.USAGE_REPORT_DUE_BUSINESS_DAYS
    )
    before = settings.USAGE_REPORT_REMINDER_BUSINESS_DAYS
    for period in periods:
        if not (business_days_before(period.due, before, _country(licence)) <= today <= period.due):
            continue
        if not is_reported(licence.pk, period.start, period.end):
            run.report_due += _raise(licence, Kind.REPORT_DUE, period.due, today)


def licence_dates_run(*, today: date | None = None) -> dict[str, int]:
    """Acts on every licence's dates as of `today` (default: the local date). Idempotent."""
    today = today or timezone.localdate()
    run = DatesRun()
    licences = (
        Licence.objects.filter(origin=Licence.Origin.DEAL, starts_on__lte=today)
        # A year after its end a licence has nothing left to remind of (its last report was
        # due weeks after the end); the window only keeps the job small.
        .filter(ends_on__gte=today - timedelta(days=LOOK_BACK_DAYS))
        .select_related("company", "matter")
        .order_by("pk")
    )
    for licence in licences:
        ends_on = licence.ends_on
        if ends_on is None:  # never for a deal (a constraint); kept for the type checker
            continue
        _report_reminders(licence, today, run)
        if licence.terminated_on is not None and licence.terminated_on <= today:
            continue  # ended early: only its last usage reports are still owed
        run.started += _start(licence, today)
        if ends_on < today:
            _expire(licence, ends_on, today, run)
            continue
        reminder_day = end_reminder_day(licence)
        if (
            reminder_day is not None
            and reminder_day <= today
            and not _renewed_by(licence, ends_on + timedelta(days=1))
        ):
            run.ends += _raise(licence, Kind.ENDS, ends_on, today)
    run.overdue = usage_overdue_check(today=today)
    return run.as_dict()


@transaction.atomic
def licence_reminder_done(*, reminder: LicenceReminder, by: "User") -> LicenceReminder:
    """Marks a reminder done, once; raises ServiceError otherwise."""
    updated = LicenceReminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=by
    )
    if updated != 1:
        raise ServiceError("This reminder was marked done already.")
    audit_record(
        actor=by,
        verb="licence.reminder_done",
        target=reminder.licence,
        data={"reminder": reminder.pk, "kind": reminder.kind, "due_on": str(reminder.due_on)},
    )
    reminder.refresh_from_db()
    return reminder
