"""The rules a licensee's usage report is checked by, each named once: how a row is read (its
use, its dates, its count), how it names a work, and what about it the licence does not allow.

A row names a work by ISRC, else by ISWC, else by title and artist (case and spacing ignored).
A work the catalogue does not hold is "unknown". A known work is out of the licence's scope
when it is not one of the works the licence included at signing — except for a licence recorded
before licences existed that covers the whole catalogue, where every catalogue work is in
scope. A use is not granted when the licence does not list it. A work is a reserved artist's
when, on any day of the row's period, its preference in the register (the artist's, or the
work's own exception) was "reserved" — even when the work was included at signing.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from warnings_app.models import Preference
from warnings_app.models.licences import Licence, LicenceUse
from warnings_app.models.usage import UsageFinding

# The columns of a usage report, under the names we call them; header names are matched after
# header_key() (lower case, "_" for spaces), and each alias below means the same column.
COLUMNS = ("isrc", "iswc", "title", "artist", "use", "period_start", "period_end", "count")
REQUIRED = ("use", "period_start", "period_end", "count")
ALIASES = {
    "work_title": "title",
    "track": "title",
    "track_title": "title",
    "artist_name": "artist",
    "performer": "artist",
    "start": "period_start",
    "from": "period_start",
    "period_from": "period_start",
    "end": "period_end",
    "to": "period_end",
    "period_to": "period_end",
    "uses": "count",
    "times": "count",
    "usage": "use",
    "use_type": "use",
    "purpose": "use",
}
MAX_COUNT = 10**15

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DMY = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


def usage_column(header_key: str) -> str:
    """The usage report column a header names ("" when none): "Period start" -> period_start."""
    key = ALIASES.get(header_key, header_key)
    return key if key in COLUMNS else ""


def usage_use(text: str) -> str | None:
    """ "training", "Fine-tuning", "RETRIEVAL OR INFERENCE" -> the LicenceUse value; None when
    the text names no use."""
    wanted = " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
    for value, label in LicenceUse.choices:
        names = (value.replace("_", " "), str(label).replace("-", " ").casefold())
        if wanted in names:
            return value
    return None


def usage_date(text: str) -> date | None:
    """An ISO date (2026-03-31), a day/month/year (31/3/2026) or a workbook date-time cell read
    as "2026-03-31 00:00:00"; None when it is none of these."""
    text = text.strip()
    if len(text) == 19 and text.endswith(" 00:00:00"):
        text = text[:10]
    try:
        if _ISO.match(text):
            return date.fromisoformat(text)
        if _DMY.match(text):
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day)
    except ValueError:
        return None
    return None


def usage_count(text: str) -> int | None:
    """A non-negative whole number ("1,200" and "1200" alike); None when it is not one."""
    digits = text.strip().replace(",", "").replace("_", "")
    if not digits.isdigit():
        return None
    count = int(digits)
    return count if count < MAX_COUNT else None


def work_name_key(title: str, artist: str) -> str:
    """How a row names a work without codes: title and artist, case and spacing ignored."""
    return " ".join(title.split()).casefold() + "\x1f" + " ".join(artist.split()).casefold()


def licence_last_day(licence: Licence) -> date | None:
    """The last day of the licence's term (None: no end was ever recorded)."""
    last = licence.ends_on
    if licence.terminated_on is not None:
        end_by_termination = licence.terminated_on - timedelta(days=1)
        last = end_by_termination if last is None else min(last, end_by_termination)
    return last


def period_misses_term(licence: Licence, start: date, end: date) -> str:
    """Why a report's period has no day within the licence's term, or "" when it has one. A
    report may run past the term: the rows of use outside it become findings."""
    last = licence_last_day(licence)
    if last is not None and start > last:
        return f"starts after the licence's last day, {last:%d/%m/%Y}"
    if end < licence.starts_on:
        return f"ends before the licence began on {licence.starts_on:%d/%m/%Y}"
    return ""


def period_outside_term(licence: Licence, start: date, end: date) -> str:
    """Why a period lies (partly) outside the licence's term, or "" when it lies within it."""
    if start < licence.starts_on:
        return f"starts before the licence began on {licence.starts_on:%d/%m/%Y}"
    last = licence_last_day(licence)
    if last is not None and end > last:
        return f"ends after the licence's last day, {last:%d/%m/%Y}"
    return ""


def period_outside_report(start: date, end: date, report_start: date, report_end: date) -> str:
    """Why a row's period lies outside the report's period, or "" when it lies within it."""
    if start < report_start or end > report_end:
        return f"is outside the report's period {report_start:%d/%m/%Y}–{report_end:%d/%m/%Y}"
    return ""


def work_out_of_scope(licence: Licence, work_id: int, included: set[int]) -> bool:
    """Whether a catalogue work lies outside the licence's scope; `included` holds the works the
    licence included at signing."""
    if licence.origin == Licence.Origin.RECORDED_BEFORE and licence.scope == Licence.Scope.ALL:
        return False
    return work_id not in included


def use_not_granted(licence: Licence, use: str) -> bool:
    return use not in licence.uses


def days_to_check(start: date, end: date, change_days: Iterable[date]) -> list[date]:
    """The days of a period on which the register's answer may differ: its first day and each
    day within it on which a statement took effect. Checking these is checking every day."""
    return [start, *sorted({day for day in change_days if start < day <= end})]


def reserved_from(states: Iterable[tuple[str, date | None]]) -> date | None:
    """Given a work's (preference, since) on each day to check, the date the first reservation
    found applies from; None when the work was never reserved on those days."""
    for preference, since in states:
        if preference == Preference.RESERVED:
            return since
    return None


@dataclass(frozen=True)
class RowFacts:
    """What reconciling one row needs to know about it."""

    use: str
    work_id: int | None
    out_of_scope: bool
    reserved_artist: str
    reserved_since: date | None
    # Why the row's period lies (partly) outside the licence's term; "" when within it.
    outside_term: str = ""


def row_findings(licence: Licence, facts: RowFacts) -> list[tuple[str, str]]:
    """The findings one row gives, as (kind, detail), in a fixed order."""
    kinds = UsageFinding.Kind
    found: list[tuple[str, str]] = []
    if facts.work_id is None:
        found.append((kinds.UNKNOWN_WORK, "The work is not in the catalogue."))
    elif facts.out_of_scope:
        found.append((kinds.OUT_OF_SCOPE, "The work is not one the licence covers."))
    if facts.outside_term:
        found.append(
            (kinds.OUTSIDE_TERM, f"Used in a period that {facts.outside_term}: not licensed.")
        )
    if use_not_granted(licence, facts.use):
        label = str(LicenceUse(facts.use).label).lower()
        found.append((kinds.USE_NOT_GRANTED, f"The licence does not grant {label}."))
    if facts.reserved_since is not None:
        found.append(
            (
                kinds.RESERVED_ARTIST,
                f"{facts.reserved_artist} reserved this work from "
                f"{facts.reserved_since:%d/%m/%Y}: no AI use from that date.",
            )
        )
    return found
