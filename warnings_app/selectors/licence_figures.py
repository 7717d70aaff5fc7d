"""The licence figures: the rules for what the dashboard, its exports and the API count, and
the rows each number stands for. Pages, API and exports read these; nothing counts them again.

- *Licence talks by stage*: every licence matter, by its stage now.
- *Conversion* per campaign (or per segment): the companies sent the campaign's first letter;
  of those, the companies with licence talks opened after that letter; of those, the companies
  with a licence signed (a deal, not a licence recorded before licences existed) in those
  talks. Per segment a company counts once, from its earliest campaign letter.
- *Active licences*: in force today (domain/licences.in_force), with their annualised fees by
  currency (domain/licence_fees.annual_fee); those whose fee cannot be counted are counted
  apart, each saying why.
- *Overdue usage reports*: a "usage report overdue" finding for a period no usage report of the
  licence has covered since (a period is reported when a report covers its end date, as
  domain/licence_periods.py says)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet

from warnings_app.domain.licence_fees import AnnualFee, annual_fee
from warnings_app.domain.licence_periods import reports_covering
from warnings_app.domain.licences import in_force
from warnings_app.models import Company, Notice
from warnings_app.models.licences import TALKS_STAGES, Licence, LicenceMatter, MatterStage
from warnings_app.models.usage import UsageFinding

CONVERSION_BY = ("campaign", "segment")
CONVERSION_STEPS = ("sent", "talks", "signed")
NOT_COUNTED = "not_counted"  # the fee row of active licences whose fee is not counted


# --- Licence talks by stage -----------------------------------------------------------------


def matters_by_stage() -> dict[str, int]:
    """{stage: licence matters in it now}, every stage in MatterStage order (0 when none)."""
    rows = LicenceMatter.objects.values("stage").annotate(n=Count("pk")).order_by()
    counts = {row["stage"]: row["n"] for row in rows}
    return {stage: counts.get(stage, 0) for stage in MatterStage.values}


UNDER_WAY = "talks"  # the stages of talks under way together (TALKS_STAGES)


def matters_in_stage(stage: str | None = None) -> QuerySet[LicenceMatter]:
    """The matters a stage's figure counts: in `stage`, under way (UNDER_WAY), or every
    matter (None)."""
    matters = LicenceMatter.objects.select_related("company", "owner").order_by("-opened_at", "-pk")
    if stage == UNDER_WAY:
        return matters.filter(stage__in=TALKS_STAGES)
    return matters if stage is None else matters.filter(stage=stage)


# --- Conversion ------------------------------------------------------------------------------


@dataclass
class Conversion:
    sent: int = 0
    talks: int = 0
    signed: int = 0


def first_letters_sent() -> QuerySet[Notice]:
    """The campaign first letters that went out (reminders are not first letters)."""
    return Notice.objects.filter(
        campaign__isnull=False, ladder_step__isnull=True, sent_at__isnull=False
    )


def _key_field(by: str) -> str:
    if by not in CONVERSION_BY:
        raise ValueError(f"conversion is by campaign or by segment, not {by!r}")
    return "campaign_id" if by == "campaign" else "company__segment"


def _converted(by: str) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """({key: companies with talks opened after their letter}, {key: of those, companies with a
    deal signed in those talks}). Reads only the companies that have licence talks."""
    matters: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for pk, company_id, opened_at in LicenceMatter.objects.values_list(
        "pk", "company_id", "opened_at"
    ):
        matters[company_id].append((pk, opened_at))
    deals = set(
        Licence.objects.filter(origin=Licence.Origin.DEAL, matter__isnull=False).values_list(
            "matter_id", flat=True
        )
    )
    letters = (
        first_letters_sent()
        .filter(company_id__in=LicenceMatter.objects.values("company_id"))
        .values_list(_key_field(by), "company_id")
        .annotate(first=Min("sent_at"))
        .order_by()
    )
    talks: dict[str, set[int]] = defaultdict(set)
    signed: dict[str, set[int]] = defaultdict(set)
    for key, company_id, first in letters:
        after = [pk for pk, opened_at in matters[company_id] if opened_at > first]
        if after:
            talks[str(key)].add(company_id)
        if any(pk in deals for pk in after):
            signed[str(key)].add(company_id)
    return talks, signed


def conversion(by: str) -> dict[str, Conversion]:
    """{campaign id or segment (as text): its conversion}, for every campaign or segment whose
    first letters went out to at least one company."""
    if by == "campaign":
        # Read from the partial index notice_first_sent (campaign, company) alone.
        sent: Any = (
            first_letters_sent()
            .values_list("campaign_id")
            .annotate(n=Count("company_id", distinct=True))
            .order_by()
        )
    else:
        # Companies with such a letter, by segment (the same index answers the EXISTS).
        _key_field(by)
        sent = (
            Company.objects.filter(Exists(first_letters_sent().filter(company_id=OuterRef("pk"))))
            .values_list("segment")
            .annotate(n=Count("pk"))
            .order_by()
        )
    talks, signed = _converted(by)
    return {
        str(key): Conversion(sent=n, talks=len(talks[str(key)]), signed=len(signed[str(key)]))
        for key, n in sent
    }


def conversion_companies(by: str, key: str, step: str) -> QuerySet[Company]:
    """The companies a conversion figure counts: for the campaign or segment `key`, those sent
    its first letter (`step` "sent"), those of them in talks after it ("talks"), or those of
    them with a deal signed in those talks ("signed")."""
    if step not in CONVERSION_STEPS:
        raise ValueError(f"a conversion step is one of {CONVERSION_STEPS}, not {step!r}")
    field_name = _key_field(by)
    sent = first_letters_sent().filter(**{field_name: key})
    companies = Company.objects.filter(Exists(sent.filter(company_id=OuterRef("pk"))))
    if step != "sent":
        talks, signed = _converted(by)
        companies = companies.filter(pk__in=(talks if step == "talks" else signed)[key])
    return companies.order_by("legal_name", "pk")


# --- Active licences and their fees -----------------------------------------------------------


@dataclass
class CurrencyFees:
    licences: int = 0
    annualised: Decimal = Decimal("0.00")


@dataclass
class Fees:
    active: int = 0
    by_currency: dict[str, CurrencyFees] = field(default_factory=dict)
    not_counted: int = 0


def active_licences(today: date) -> QuerySet[Licence]:
    """Licences in force on `today`, with the works each included when signed."""
    return (
        Licence.objects.filter(in_force(today))
        .select_related("company")
        .annotate(included_works=Count("work_rows", filter=Q(work_rows__included=True)))
        .order_by("company__legal_name", "reference", "pk")
    )


def active_licence_fees(today: date) -> list[tuple[Licence, AnnualFee]]:
    """Each licence in force on `today` with its annualised fee (or why it is not counted)."""
    return [
        (licence, annual_fee(licence, included_works=licence.included_works))  # type: ignore[attr-defined]
        for licence in active_licences(today)
    ]


def fees_by_currency(today: date) -> Fees:
    """Licences in force on `today`, and their annualised fees summed per currency (sorted by
    currency code)."""
    fees = Fees()
    by_currency: dict[str, CurrencyFees] = defaultdict(CurrencyFees)
    for _licence, fee in active_licence_fees(today):
        fees.active += 1
        if fee.amount is None:
            fees.not_counted += 1
            continue
        row = by_currency[fee.currency]
        row.licences += 1
        row.annualised += fee.amount
    fees.by_currency = dict(sorted(by_currency.items()))
    return fees


def licences_with_fee(today: date, currency: str | None) -> list[tuple[Licence, AnnualFee]]:
    """The rows of a fee figure: the licences in force counted in `currency`, those not
    counted (`currency` NOT_COUNTED), or all of them (None)."""
    rows = active_licence_fees(today)
    if currency is None:
        return rows
    if currency == NOT_COUNTED:
        return [(licence, fee) for licence, fee in rows if not fee.counted]
    return [(licence, fee) for licence, fee in rows if fee.counted and fee.currency == currency]


# --- Overdue usage reports --------------------------------------------------------------------


def period_reported(prefix: str = "") -> Exists:
    """Whether a usage report of the finding's licence covers the finding's whole period
    (domain/licence_periods.reports_covering; `prefix` reaches UsageFinding from another
    model)."""
    return Exists(
        reports_covering(
            OuterRef(f"{prefix}licence_id"),
            OuterRef(f"{prefix}period_start"),
            OuterRef(f"{prefix}period_end"),
        )
    )


def overdue_usage_reports(licence_id: int | None = None) -> QuerySet[UsageFinding]:
    """Usage reports overdue now: each "report overdue" finding whose period no report has
    covered since; of one licence when `licence_id` is given. Oldest period first."""
    findings = UsageFinding.objects.filter(kind=UsageFinding.Kind.REPORT_OVERDUE).filter(
        ~period_reported()
    )
    if licence_id is not None:
        findings = findings.filter(licence_id=licence_id)
    return findings.select_related("licence__company").order_by("period_end", "pk")


def overdue_by_licence() -> list[tuple[int, str, str, int]]:
    """[(licence id, reference, licensee, overdue reports)], most overdue first."""
    rows = (
        overdue_usage_reports()
        .values_list("licence_id", "licence__reference", "licence__company__legal_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "licence__reference")
    )
    return [(pk, reference, company, n) for pk, reference, company, n in rows]
