"""Business-day deadlines, holiday-aware per recipient jurisdiction (the `holidays` package)."""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays


@dataclass(frozen=True)
class Deadline:
    due: date
    explanation: str


@lru_cache(maxsize=256)
def _holidays_for(country: str, years: range) -> tuple[dict[date, str], bool]:
    # Building a calendar costs milliseconds; a campaign asks for the same few thousands of times.
    try:
        return dict(holidays.country_holidays(country, years=years)), True
    except NotImplementedError:
        return {}, False


def business_days_after(start: date, days: int, country: str) -> Deadline:
    """The date `days` business days after `start`, skipping weekends and the public holidays of
    `country`, with a sentence that says how it was reached."""
    if days < 1:
        raise ValueError("a response window is at least one business day")
    calendar, known = _holidays_for(country, range(start.year, start.year + 2 + days // 200))
    current, counted, skipped = start, 0, []
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() >= 5:
            continue
        if current in calendar:
            skipped.append(f"{current:%-d %B} ({calendar[current]}, {country})")
            continue
        counted += 1
    explanation = f"{days} business days from {start:%-d %B %Y}"
    if skipped:
        explanation += ", skipping " + ", ".join(skipped)
    if not known:
        explanation += f" (no public-holiday calendar for {country}: weekends only)"
    return Deadline(due=current, explanation=explanation)


@lru_cache(maxsize=65536)
def business_days_between(start: date, end: date, country: str) -> int:
    """How many business days of `country` fall after `start` up to and including `end`
    (0 when `end` is not after `start`): a reply on the next working day took one."""
    if end <= start:
        return 0
    calendar, _ = _holidays_for(country, range(start.year, end.year + 2))
    counted, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in calendar:
            counted += 1
    return counted


def business_days_before(end: date, days: int, country: str) -> date:
    """The date `days` business days of `country` before `end`: a reminder raised that day
    leaves `days` business days to act (business_days_between(result, end) == days)."""
    if days < 1:
        raise ValueError("a reminder comes at least one business day before")
    calendar, _ = _holidays_for(country, range(end.year - 1 - days // 200, end.year + 1))
    current, counted = end, 0
    while counted < days:
        current -= timedelta(days=1)
        if current.weekday() < 5 and current not in calendar:
            counted += 1
    # `current` is a business day; business_days_between counts days after it up to `end`,
    # so stepping back over a weekend or holiday before it changes nothing.
    return current
