"""Reads for the licence pages: one licence with its works, flags and reminders; the licences
of a company (for its page and the talks' page); and the lawyers' licence to-dos (open flags,
reminders not yet done), which the home page counts with the same queries."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from warnings_app.domain.licences import in_force, licensed_uses, uses_phrase
from warnings_app.models import Licence, LicenceFlag, LicenceReminder, LicenceWork

# The to-do page's sections: key -> title.
TODO_SECTIONS = {
    "flags": "Artists who reserved works a licence includes",
    "reminders": "Licence reminders",
}


def licence_for_page(pk: int) -> QuerySet[Licence]:
    return Licence.objects.filter(pk=pk).select_related("company", "matter", "renews", "created_by")


def licence_works(licence: Licence, *, included: bool) -> QuerySet[LicenceWork]:
    return (
        licence.work_rows.filter(included=included)
        .select_related("work")
        .order_by("work__artist", "work__title", "pk")
    )


def licence_flags(licence: Licence) -> QuerySet[LicenceFlag]:
    return licence.flags.select_related("artist", "resolved_by").order_by("-raised_at", "-pk")


def licence_reminders(licence: Licence) -> QuerySet[LicenceReminder]:
    return licence.reminders.select_related("done_by").order_by("due_on", "pk")


def licence_state(licence: Licence, today: date) -> str:
    """How the licence stands today, in words."""
    if licence.terminated_on is not None and licence.terminated_on <= today:
        return f"Terminated from {licence.terminated_on:%-d %B %Y}"
    if licence.starts_on > today:
        return f"Signed; in force from {licence.starts_on:%-d %B %Y}"
    if licence.ends_on is not None and licence.ends_on < today:
        return f"Ended on {licence.ends_on:%-d %B %Y}"
    return "In force"


@dataclass(frozen=True)
class CompanyLicences:
    phrase: str
    licences: list[Licence]


def company_licences(company_id: int, today: date) -> CompanyLicences:
    """The company's licence status today (domain/licences.py) and every licence naming it,
    newest first, the ones in force marked `in_force_today`."""
    licences = list(
        Licence.objects.filter(Q(company_id=company_id) | Q(group_companies=company_id))
        .distinct()
        .order_by("-starts_on", "-pk")
    )
    live = set(
        Licence.objects.filter(in_force(today), pk__in=[lic.pk for lic in licences]).values_list(
            "pk", flat=True
        )
    )
    for licence in licences:
        licence.in_force_today = licence.pk in live  # type: ignore[attr-defined]
        licence.state_today = licence_state(licence, today)  # type: ignore[attr-defined]
    return CompanyLicences(uses_phrase(licensed_uses(company_id, today)), licences)


def open_flags() -> QuerySet[LicenceFlag]:
    return (
        LicenceFlag.objects.filter(resolved_at__isnull=True)
        .select_related("licence__company", "artist")
        .order_by("effective_from", "pk")
    )


def open_reminders() -> QuerySet[LicenceReminder]:
    return (
        LicenceReminder.objects.filter(done_at__isnull=True)
        .select_related("licence__company")
        .order_by("due_on", "pk")
    )
