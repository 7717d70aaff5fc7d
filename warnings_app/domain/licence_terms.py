"""What makes a deal's terms complete: the rule the record-a-deal form shows field by field and
services/licences.py enforces before anything is saved.

- at least one use granted;
- territories: ISO 3166-1 alpha-2 codes, or "*" alone for the whole world;
- the licence ends on or after the day it starts (a deal may start before it was signed);
- fee: a flat fee or a fee per work needs an amount, a currency (ISO 4217, three capital
  letters) and how often it is paid; a revenue share needs a percentage above 0 and at most 100,
  with an optional minimum amount (then in a currency too).
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django_countries import countries

from warnings_app.models import Artist, Company, Principal, Work
from warnings_app.models.licences import Licence, LicenceUse

WORLDWIDE = "*"
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Fee:
    model: str
    amount: Decimal | None = None
    currency: str = ""
    period: str = ""
    percent: Decimal | None = None


@dataclass(frozen=True)
class DealTerms:
    uses: list[str]
    scope: str
    territories: list[str]
    signed_on: date
    starts_on: date
    ends_on: date
    fee: Fee
    reporting_months: int
    agreement: bytes
    agreement_filename: str
    group_companies: list[Company] = field(default_factory=list)
    principals: list[Principal] = field(default_factory=list)
    works: list[Work] = field(default_factory=list)
    artists: list[Artist] = field(default_factory=list)


def territories_parsed(text: str) -> list[str]:
    """ "de, FR at" -> ["DE", "FR", "AT"]; "*" -> ["*"]. Not checked here (territory_problem)."""
    codes = [part.strip().upper() for part in re.split(r"[\s,;]+", text) if part.strip()]
    return list(dict.fromkeys(codes))


def territory_problem(codes: list[str]) -> str:
    if not codes:
        return "Name at least one territory (ISO country codes such as DE, FR) or * for worldwide."
    if WORLDWIDE in codes:
        return "" if codes == [WORLDWIDE] else "Use * alone for worldwide, without other codes."
    unknown = [code for code in codes if code not in dict(countries)]
    if unknown:
        return f"Not an ISO country code: {', '.join(unknown)}."
    return ""


def uses_problem(uses: list[str]) -> str:
    if not uses:
        return "Grant at least one use."
    unknown = [use for use in uses if use not in LicenceUse.values]
    return f"Not a use a licence may grant: {', '.join(unknown)}." if unknown else ""


def dates_problem(starts_on: date, ends_on: date) -> str:
    if ends_on < starts_on:
        return f"The licence cannot end ({ends_on}) before it starts ({starts_on})."
    return ""


def fee_problems(fee: Fee) -> dict[str, str]:
    """Field name -> what is wrong with the fee ({} when the fee is complete)."""
    problems: dict[str, str] = {}
    if fee.model not in Licence.FeeModel.values or fee.model == Licence.FeeModel.NONE:
        return {"fee_model": "Choose the fee model of the deal."}
    if fee.model in (Licence.FeeModel.FLAT, Licence.FeeModel.PER_WORK):
        if fee.amount is None or fee.amount <= 0:
            problems["fee_amount"] = "A flat or per-work fee needs its amount."
        if not fee.period:
            problems["fee_period"] = "Say how often the fee is paid."
        elif fee.period not in Licence.FeePeriod.values:
            problems["fee_period"] = "Not a payment period."
    if fee.model == Licence.FeeModel.REVENUE_SHARE:
        if fee.percent is None or not (Decimal(0) < fee.percent <= Decimal(100)):
            problems["revenue_share_percent"] = (
                "A revenue share needs a percentage above 0 and at most 100."
            )
        if fee.amount is not None and fee.amount < 0:
            problems["fee_amount"] = "A minimum amount cannot be negative."
    needs_currency = fee.model != Licence.FeeModel.REVENUE_SHARE or fee.amount is not None
    if needs_currency and not _CURRENCY.match(fee.currency):
        problems["fee_currency"] = "Give the currency as its ISO 4217 code, e.g. EUR, USD, GBP."
    return problems
