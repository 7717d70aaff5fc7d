"""The annualised fee rule (domain/licence_fees.py), one fee model and period at a time."""

from datetime import date
from decimal import Decimal

import pytest

from warnings_app.domain.licence_fees import annual_fee, term_years
from warnings_app.models.licences import Licence


def _licence(**terms) -> Licence:
    given = {
        "origin": "deal",
        "fee_model": "flat",
        "fee_amount": Decimal(1000),
        "fee_currency": "eur",
        "fee_period": "year",
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
    }
    return Licence(**{**given, **terms})


@pytest.mark.parametrize(
    ("period", "expected"),
    [("year", "1000.00"), ("quarter", "4000.00"), ("month", "12000.00")],
)
def test_a_flat_fee_counts_as_many_periods_as_a_year_has(period, expected):
    fee = annual_fee(_licence(fee_period=period))

    assert fee.amount == Decimal(expected)
    assert fee.currency == "EUR"


def test_a_fee_paid_once_is_spread_over_the_term_in_years():
    one_year = _licence(fee_period="once")  # 1 Jan to 31 Dec: 365 days, both included
    two_years = _licence(fee_period="once", ends_on=date(2027, 12, 31))  # 730 days

    assert term_years(date(2026, 1, 1), date(2026, 12, 31)) == Decimal(365) / Decimal("365.25")
    assert annual_fee(one_year).amount == Decimal("1000.68")  # 1000 x 365.25 / 365, to the cent
    assert annual_fee(two_years).amount == Decimal("500.34")  # 1000 x 365.25 / 730


def test_a_fee_per_work_counts_each_included_work_each_period():
    licence = _licence(fee_model="per_work", fee_amount=Decimal(10), fee_period="month")

    assert annual_fee(licence, included_works=3).amount == Decimal("360.00")
    assert annual_fee(licence, included_works=0).amount == Decimal("0.00")


def test_a_revenue_share_counts_its_annual_minimum_or_is_not_counted():
    with_minimum = _licence(fee_model="revenue_share", fee_period="", fee_amount=Decimal(5000))
    without = _licence(fee_model="revenue_share", fee_period="", fee_amount=None)

    assert annual_fee(with_minimum).amount == Decimal("5000.00")
    assert annual_fee(without).amount is None
    assert "revenue share" in annual_fee(without).not_counted


@pytest.mark.parametrize(
    ("terms", "why"),
    [
        ({"origin": "recorded_before"}, "recorded before"),
        ({"fee_model": "none"}, "no fee"),
        ({"fee_amount": None}, "no amount"),
        ({"fee_currency": ""}, "no amount or currency"),
        ({"fee_period": ""}, "no fee period"),
        ({"fee_period": "once", "ends_on": None}, "no end"),
    ],
)
def test_a_fee_that_cannot_be_counted_says_why(terms, why):
    fee = annual_fee(_licence(**terms))

    assert fee.amount is None
    assert not fee.counted
    assert why in fee.not_counted
