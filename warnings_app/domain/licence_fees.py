"""What a licence brings in a year: its *annualised fee*, in the licence's currency. One rule for
the dashboard, its exports and the API.

- A flat fee counts once per period: per year once, per quarter four times, per month twelve
  times; a fee paid once for the whole term is divided by the term in years (its days, start
  and end included, over 365.25).
- A fee per work is the amount times the works the licence included when signed times
  the periods in a year, as for a flat fee.
- A revenue share counts its annual minimum (the amount recorded with it); without one it is
  not counted, since what it brings is not known in advance.
- A licence recorded before licences existed, or one with no fee, no amount, no currency or no
  period recorded, is not counted either; each such licence says why.

Each licence's figure is rounded to the cent (half up) before any sum, so a total is the sum of
the figures shown beside it."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from warnings_app.models.licences import Licence

CENT = Decimal("0.01")
DAYS_PER_YEAR = Decimal("365.25")
PERIODS_PER_YEAR = {
    Licence.FeePeriod.YEAR: Decimal(1),
    Licence.FeePeriod.QUARTER: Decimal(4),
    Licence.FeePeriod.MONTH: Decimal(12),
}


@dataclass(frozen=True)
class AnnualFee:
    """A licence's annualised fee (`amount` in `currency`), or why it is not counted
    (`amount` None and `not_counted` saying why)."""

    amount: Decimal | None
    currency: str = ""
    not_counted: str = ""

    @property
    def counted(self) -> bool:
        return self.amount is not None


def term_years(starts_on: date, ends_on: date) -> Decimal:
    """The term in years: its days, first and last included, over 365.25."""
    return Decimal((ends_on - starts_on).days + 1) / DAYS_PER_YEAR


def _periods_per_year(licence: Licence) -> Decimal | None:
    if licence.fee_period == Licence.FeePeriod.ONCE:
        if licence.ends_on is None:
            return None
        return 1 / term_years(licence.starts_on, licence.ends_on)
    return PERIODS_PER_YEAR.get(Licence.FeePeriod(licence.fee_period or "year"))


def _not_counted(reason: str) -> AnnualFee:
    return AnnualFee(amount=None, not_counted=reason)


def annual_fee(licence: Licence, *, included_works: int = 0) -> AnnualFee:
    """The licence's annualised fee. `included_works` is the number of works it included when
    signed (its LicenceWork rows marked included), needed for a fee per work."""
    if licence.origin == Licence.Origin.RECORDED_BEFORE:
        return _not_counted("recorded before licences existed: no fee")
    if licence.fee_model == Licence.FeeModel.NONE:
        return _not_counted("no fee recorded")
    if licence.fee_amount is None or not licence.fee_currency:
        if licence.fee_model == Licence.FeeModel.REVENUE_SHARE:
            return _not_counted("revenue share without an annual minimum: not known in advance")
        return _not_counted("no amount or currency recorded")
    currency = licence.fee_currency.upper()
    if licence.fee_model == Licence.FeeModel.REVENUE_SHARE:
        return AnnualFee(amount=_cents(licence.fee_amount), currency=currency)
    if not licence.fee_period:
        return _not_counted("no fee period recorded")
    periods = _periods_per_year(licence)
    if periods is None:
        return _not_counted("a fee for the whole term, and the term has no end")
    amount = Decimal(licence.fee_amount) * periods
    if licence.fee_model == Licence.FeeModel.PER_WORK:
        amount *= included_works
    return AnnualFee(amount=_cents(amount), currency=currency)


def _cents(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
