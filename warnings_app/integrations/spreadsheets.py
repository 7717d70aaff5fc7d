"""Bytes of an uploaded file -> a header and numbered rows of text cells.

The kind is decided by the content, not the name: an XLSX workbook is a ZIP archive; anything
else is read as CSV text. Limits are checked before the work they protect (size before
reading, unpacked size before openpyxl, row count while reading), and a refusal says which limit.
Cells are returned as they are, untrimmed and untruncated: validate.py reports what is wrong.
"""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from warnings_app.domain import uploads
from warnings_app.integrations.text_encodings import Decoded, EncodingUnknown, decode

MAX_BYTES = uploads.IMPORT_MAX_BYTES
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_UNPACKED = 100 * 1024 * 1024  # an XLSX of 10 MB unpacks to ~50 MB of XML at most
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


class FileRefused(Exception):
    """The file as a whole cannot be imported; `candidates` lists encodings that might fit."""

    def __init__(self, message: str, candidates: list[str] | None = None):
        super().__init__(message)
        self.candidates = candidates or []


@dataclass
class Table:
    kind: str  # "csv" or "xlsx"
    encoding: str  # the text encoding used for a CSV; "" for XLSX
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as the spreadsheet shows it, cells)
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)


def read_table(data: bytes, encoding: str = "") -> Table:
    if not data:
        raise FileRefused("The file is empty.")
    if len(data) > MAX_BYTES:
        raise FileRefused(f"The file has {len(data):,} bytes; the limit is {MAX_BYTES:,}.")
    if data.startswith(OLE_MAGIC):
        raise FileRefused("This is an old Excel .xls file: save it as .xlsx or CSV.")
    # The one upload gate: web markup and foreign kinds are refused, and a ZIP must be an XLSX
    # whose declared sizes and compression ratios pass before openpyxl inflates anything.
    try:
        checked = uploads.check(
            data, allowed=frozenset({uploads.TEXT, uploads.XLSX}), max_bytes=MAX_BYTES
        )
    except uploads.UploadRefused as exc:
        raise FileRefused(str(exc)) from exc
    if checked.kind == uploads.XLSX:
        return _read_xlsx(data)
    return _read_csv(data, encoding)


def _read_csv(data: bytes, encoding: str) -> Table:
    try:
        decoded: Decoded = decode(data, encoding)
    except EncodingUnknown as exc:
        raise FileRefused(str(exc), exc.candidates) from exc
    text = decoded.text
    first_line = text.split("\n", 1)[0]
    # Excel saves "CSV" with ";" where "," is the decimal mark, and some tools use tabs; the
    # header names contain none of these, so the most frequent one in the header is the one.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        return _table("csv", decoded.encoding, enumerate(reader, start=1))
    except csv.Error as exc:
        raise FileRefused(f"The CSV file cannot be read: {exc}.") from exc


def _read_xlsx(data: bytes) -> Table:
    import openpyxl  # imported here: a CSV-only run need not load it

    # read_table's uploads.check has already checked the archive against UPLOAD_MAX_*; this is
    # the importer's own, tighter ceiling.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED:
        raise FileRefused(f"The workbook unpacks to {unpacked:,} bytes; the limit is 100 MB.")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign archive
        raise FileRefused("The file is not an XLSX workbook that can be read.") from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileRefused("The workbook has no worksheet.")
        sheet.reset_dimensions()  # a declared A1:XFD1048576 must not make us pad every row
        rows = sheet.iter_rows(values_only=True)
        table = _table(
            "xlsx", "", ((n, [_cell_text(v) for v in row]) for n, row in enumerate(rows, 1))
        )
        if len(workbook.worksheets) > 1:
            table.notes.append("Only the first worksheet was read.")
        return table
    except FileRefused:
        raise
    except Exception as exc:
        raise FileRefused("The workbook is damaged and cannot be read.") from exc
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    """A workbook cell as the text a person sees. A formula comes back as its text ("=..."), so
    validate.py can refuse it; whole numbers lose Excel's ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _table(kind: str, encoding: str, numbered: Iterable[tuple[int, list[str]]]) -> Table:
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    blank = 0
    for number, cells in numbered:
        if len(cells) > MAX_COLUMNS:
            if any(c.strip() for c in cells[MAX_COLUMNS:]):
                raise FileRefused(f"Row {number} has more than {MAX_COLUMNS} columns.")
            cells = cells[:MAX_COLUMNS]
        if header is None:
            if not any(c.strip() for c in cells):
                blank += 1
                continue  # leading blank rows before the header
            header = cells
            continue
        if not any(c.strip() for c in cells):
            blank += 1
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise FileRefused(f"The file has more than {MAX_ROWS:,} rows; split it.")
    if header is None:
        raise FileRefused("The file has no header row (it is empty or blank).")
    return Table(kind=kind, encoding=encoding, header=header, rows=rows, blank_rows=blank)


def xlsx_bytes(headers: list[str], rows: Iterable[list[Any]], title: str) -> bytes:
    """A one-sheet workbook: a bold header row that stays in view while scrolling, then the
    rows. A date or time is a date cell shown as such, a number a number cell; every "=…" text
    was guarded by the caller, so openpyxl keeps it a string."""
    from openpyxl import Workbook  # imported here: pages that never export need not load it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers):
        letter = _column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(header) + 4))
    bold = Font(bold=True)
    heading = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([_typed(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_DATE_FORMATS = {datetime.datetime: "yyyy-mm-dd hh:mm", datetime.date: "yyyy-mm-dd"}


def _typed(sheet: Any, value: Any) -> Any:
    """Dates and times get a number format people read; everything else goes in as it is."""
    number_format = _DATE_FORMATS.get(type(value))
    if number_format is None:
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))
