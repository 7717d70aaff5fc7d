"""Usage reports built in code for the tests: a licence with its catalogue, and a 500-row file
(CSV or XLSX) with a known handful of rows the licence does not allow."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from tests.factories import ContactFactory, LicenceFactory, UserFactory, WorkFactory
from warnings_app.domain.preferences import Instruction
from warnings_app.domain.roles import LEGAL
from warnings_app.integrations.spreadsheets import xlsx_bytes
from warnings_app.models import Licence, LicenceWork, Work
from warnings_app.services.preferences import preference_record

HEADER = ["ISRC", "ISWC", "Title", "Artist", "Use", "Period start", "Period end", "Count"]


@dataclass
class Seeded:
    licence: Licence
    period_start: date
    period_end: date
    included: list[Work]
    outside: list[Work]
    reserved: list[Work]
    reserved_from: date
    rows: list[list[object]] = field(default_factory=list)
    # (line, kind) of every row the licence does not allow, as the file numbers them
    expected: set[tuple[int, str]] = field(default_factory=set)


def seeded_licence(*, reporting_months: int = 0) -> Seeded:
    """A licence for training over 40 works, three catalogue works outside it, and an artist
    whose two included works were reserved ten days into the report's period."""
    start = timezone.localdate() - timedelta(days=40)
    licence = LicenceFactory(signed_on=start, starts_on=start, reporting_months=reporting_months)
    ContactFactory(company=licence.company)
    included = [WorkFactory() for _ in range(40)]
    outside = [WorkFactory(artist="Elsewhere Band") for _ in range(3)]
    reserved = [WorkFactory(artist="Mara Quell", iswc=f"T00000000{n}0") for n in range(2)]
    for work in [*included, *reserved]:
        LicenceWork.objects.create(
            licence=licence, work=work, artist=work.artist_profile, included=True, reason="ok"
        )
    reserved_from = start + timedelta(days=10)
    preference_record(
        artist=reserved[0].artist_profile,
        preference="reserved",
        effective_from=reserved_from,
        instruction=Instruction(b"Please reserve my recordings.", "instruction.txt"),
        by=UserFactory(role=LEGAL),
    )
    return Seeded(
        licence=licence,
        period_start=start,
        period_end=start + timedelta(days=27),
        included=included,
        outside=outside,
        reserved=reserved,
        reserved_from=reserved_from,
    )


def five_hundred_rows(seeded: Seeded, *, dates_as_cells: bool = False) -> Seeded:
    """500 rows: 490 the licence allows (by ISRC, and every tenth by title and artist), 4 of
    works outside it, 3 of fine-tuning (not granted), 2 of the reserved artist's works (named
    by ISWC), 1 of a work not in the catalogue."""
    start, end = seeded.period_start, seeded.period_end
    when: list[object] = [start, end] if dates_as_cells else [start.isoformat(), f"{end:%d/%m/%Y}"]
    problems: dict[int, tuple[list[object], str]] = {}
    for n, work in enumerate([*seeded.outside, seeded.outside[0]]):
        problems[37 + n * 90] = ([work.isrc, "", "", "", "training"], "out_of_scope")
    for n in range(3):
        work = seeded.included[n]
        problems[120 + n * 100] = ([work.isrc, "", "", "", "Fine-tuning"], "use_not_granted")
    for n, work in enumerate(seeded.reserved):
        problems[250 + n * 200] = (["", work.iswc, "", "", "TRAINING"], "reserved_artist")
    problems[499] = (["ZZNOP2699999", "", "Lost Song", "Nobody", "training"], "unknown_work")
    seeded.rows, seeded.expected = [], set()
    for line in range(2, 502):  # the header is row 1
        if line in problems:
            cells, kind = problems[line]
            seeded.expected.add((line, kind))
        else:
            work = seeded.included[line % len(seeded.included)]
            if line % 10 == 0:
                cells = ["", "", f"  {work.title.upper()} ", work.artist.lower(), "training"]
            else:
                cells = [work.isrc, "", work.title, work.artist, "training"]
        seeded.rows.append([*cells, *when, line * 3])
    return seeded


def csv_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def workbook_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    return xlsx_bytes(header, rows, "Usage")
