"""A usage report's rows, read by the import machinery's reader (integrations/spreadsheets) and
checked cell by cell as the company import checks its cells; each bad cell is a Problem with
its row and column, and one problem anywhere means nothing is imported."""

import re
from dataclasses import dataclass, field
from datetime import date

from warnings_app.domain.usage_checks import (
    COLUMNS,
    REQUIRED,
    period_outside_report,
    usage_column,
    usage_count,
    usage_date,
    usage_use,
)
from warnings_app.integrations.spreadsheets import FileRefused, Table
from warnings_app.models.licences import LicenceUse
from warnings_app.services.imports.columns import header_key
from warnings_app.services.imports.validate import Problem, cell_problem

_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")
_ISWC = re.compile(r"^T[0-9]{10}$")
_LENGTHS = {"title": 300, "artist": 200}
USES = ", ".join(LicenceUse.values)


@dataclass(frozen=True)
class UsageLine:
    """One valid row of a usage report, cleaned."""

    line: int
    isrc: str
    iswc: str
    title: str
    artist: str
    use: str
    period_start: date
    period_end: date
    count: int


@dataclass
class UsageChecked:
    lines: list[UsageLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def usage_columns(header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    """Column -> index. Unknown headers are warnings; a missing required column, a file naming
    works neither by code nor by title and artist, or a repeated column refuses the file."""
    index: dict[str, int] = {}
    warnings = []
    for position, text in enumerate(header):
        key = header_key(text)
        if not key:
            continue
        column = usage_column(key)
        if not column:
            warnings.append(Problem(1, text.strip()[:100], "Unknown column; it was ignored."))
        elif column in index:
            raise FileRefused(f"The column “{column}” appears twice in the header row.")
        else:
            index[column] = position
    missing = [name for name in REQUIRED if name not in index]
    names_works = {"isrc", "iswc"} & set(index) or {"title", "artist"} <= set(index)
    if not names_works:
        missing.append("ISRC, ISWC or Title and Artist")
    if missing:
        found = ", ".join(header_key(h) for h in header if header_key(h)) or "none"
        raise FileRefused(
            f"Required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}. "
            f"The header row has: {found[:500]}."
        )
    return index, warnings


def usage_table_check(table: Table, *, period_start: date, period_end: date) -> UsageChecked:
    index, warnings = usage_columns(table.header)
    checked = UsageChecked(warnings=warnings)
    for number, cells in table.rows:
        values, problems = _cells(number, cells, index)
        line = _line(number, values, problems, period_start, period_end)
        checked.problems.extend(problems)
        if line is not None:
            checked.lines.append(line)
    return checked


def _cells(
    number: int, cells: list[str], index: dict[str, int]
) -> tuple[dict[str, str], list[Problem]]:
    values: dict[str, str] = {}
    problems: list[Problem] = []
    for name in COLUMNS:
        position = index.get(name)
        raw = cells[position] if position is not None and position < len(cells) else ""
        reason = cell_problem(name, raw)
        if reason:
            problems.append(Problem(number, name, reason))
        values[name] = " ".join(raw.split())
    return values, problems


def _line(
    number: int,
    values: dict[str, str],
    problems: list[Problem],
    report_start: date,
    report_end: date,
) -> UsageLine | None:
    def fail(column: str, reason: str) -> None:
        if not any(p.column == column for p in problems):
            problems.append(Problem(number, column, reason))

    isrc = re.sub(r"[\s-]", "", values["isrc"]).upper()
    if isrc and not _ISRC.match(isrc):
        fail("isrc", "Not an ISRC: 12 characters, e.g. GBAYE2600001.")
    iswc = re.sub(r"[\s.-]", "", values["iswc"]).upper()
    if iswc and not _ISWC.match(iswc):
        fail("iswc", "Not an ISWC: T followed by 10 digits, e.g. T0345246801.")
    if not (isrc or iswc or (values["title"] and values["artist"])):
        fail("isrc", "Name the work: an ISRC, an ISWC, or its title and artist.")
    for name, most in _LENGTHS.items():
        if len(values[name]) > most:
            fail(name, f"Has {len(values[name]):,} characters; at most {most} are kept.")
    use = usage_use(values["use"])
    if use is None:
        fail("use", f"Unknown use “{values['use'][:60]}”; use one of: {USES}.")
    start, end = usage_date(values["period_start"]), usage_date(values["period_end"])
    for column, day in (("period_start", start), ("period_end", end)):
        if day is None:
            fail(column, "Not a date: write 2026-03-31 or 31/03/2026.")
    count = usage_count(values["count"])
    if count is None:
        fail("count", "Not a count: a whole number, 0 or more.")
    if start is not None and end is not None:
        outside = period_outside_report(start, end, report_start, report_end)
        if end < start:
            fail("period_end", "The period ends before it starts.")
        elif outside:
            fail("period_start", f"The period {outside}.")
    if any(p.row == number for p in problems):
        return None
    if use is None or start is None or end is None or count is None:
        return None  # each already gave a problem above
    return UsageLine(
        line=number,
        isrc=isrc,
        iswc=iswc,
        title=values["title"],
        artist=values["artist"],
        use=use,
        period_start=start,
        period_end=end,
        count=count,
    )
