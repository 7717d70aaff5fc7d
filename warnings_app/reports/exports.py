"""CSV and XLSX exports of notices, deliveries and replies, and the column set of every CSV the
system writes: each is defined here once and used by every writer of that file (the evidence
bundle's deliveries.csv is the deliveries export; its audit.csv and the audit log's download are
`AUDIT_COLUMNS`). Every text cell that a spreadsheet would take for a formula (it begins with =,
+, -, @, a tab or a carriage return) is written with a leading apostrophe, so opening an export
never runs anything a company put in its name.

Exports are for people: headers are labels ("Company", not legal_name) and coded values are
written as their labels ("Needs reconciliation", not needs_reconciliation). In XLSX a date is a
date cell and a number a number cell; in CSV both are text (dates as YYYY-MM-DD hh:mm:ss, local
time). The audit log's CSV keeps its field names: it is the record an extract is checked
against (its `hash` column), read by tools as much as by people."""

import csv
import datetime
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone

from warnings_app.domain.event_words import event_words
from warnings_app.integrations.spreadsheets import xlsx_bytes
from warnings_app.models import AuditEvent
from warnings_app.selectors.letter_filters import LetterFilter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def typed_cell(value: Any) -> Any:
    """A cell for XLSX: text guarded against formulas, a time in local time without its zone
    (spreadsheets have none), yes/no for a flag; dates and numbers stay what they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def safe_cell(value: Any) -> Any:
    """A cell for CSV: as typed_cell, with dates and times as text, the same in every file."""
    value = typed_cell(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# A column: its header, and how to read its cell from a row's object.
Column = tuple[str, Callable[[Any], Any]]

NOTICE_COLUMNS: list[Column] = [
    ("Reference", lambda n: n.reference),
    ("Company", lambda n: n.company.legal_name),
    ("Company domain", lambda n: n.company.domain),
    ("Country", lambda n: n.company.country.name),
    ("Segment", lambda n: n.company.get_segment_display()),
    ("Campaign", lambda n: n.campaign.name if n.campaign else ""),
    ("Status", lambda n: n.get_status_display()),
    ("Sent", lambda n: n.sent_at),
    ("Reply due", lambda n: n.due_date),
    ("Letter SHA-256", lambda n: n.pdf_sha256),
]
DELIVERY_COLUMNS: list[Column] = [
    ("Reference", lambda d: d.notice.reference),
    ("Channel", lambda d: d.get_channel_display()),
    ("Recipient", lambda d: d.recipient),
    ("Outcome", lambda d: d.get_outcome_display()),
    ("Server reply", lambda d: d.server_reply),
    ("Message-ID", lambda d: d.message_id),
    ("Reply-To", lambda d: d.reply_to),
    ("Return-Path", lambda d: d.return_path),
    ("Letter SHA-256", lambda d: d.pdf_sha256),
    ("Started", lambda d: d.started_at),
    ("Finished", lambda d: d.finished_at),
    ("Tracking number", lambda d: d.tracking_number),
]
REPLY_COLUMNS: list[Column] = [
    ("Received", lambda r: r.received_at),
    ("Reference", lambda r: r.notice.reference if r.notice else ""),
    ("Company", lambda r: r.company.legal_name if r.company else ""),
    ("Channel", lambda r: r.get_channel_display()),
    ("Kind", lambda r: r.get_kind_display()),
    ("Sender", lambda r: r.sender),
    ("Subject", lambda r: r.subject),
    ("Outcome", lambda r: r.get_outcome_display()),
    ("Raw message SHA-256", lambda r: r.raw_sha256),
]
# The audit log as CSV: the download of the audit log page and audit.csv in the evidence bundle.
# `hash` is the event's link in the audit chain (domain/audit_chain.py), so an extract can be
# checked against the log; `data` is the event's JSON with its keys sorted; `description` says
# it in words.
AUDIT_COLUMNS: list[Column] = [
    ("id", lambda e: e.pk),
    ("created_at", lambda e: e.created_at),
    ("actor", lambda e: e.actor.get_username() if e.actor else "system"),
    ("verb", lambda e: e.verb),
    ("target_type", lambda e: e.target_type),
    ("target_id", lambda e: e.target_id),
    ("target", lambda e: e.target_repr),
    ("from_state", lambda e: e.from_state),
    ("to_state", lambda e: e.to_state),
    (
        "data",
        lambda e: json.dumps(e.data, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True),
    ),
    ("hash", lambda e: e.hash),
    # Last, so the record's columns keep their places: the event in words (domain/event_words.py).
    ("description", lambda e: event_words(e).line),
]
# Legal's internal notes are attorney work product: these columns are added only when someone
# with warnings_app.include_privileged asks (include_privileged=1), and the audit says so.
PRIVILEGED_COLUMNS: dict[str, list[Column]] = {
    "notices": [("Company notes (privileged)", lambda n: n.company.notes)],
    "replies": [
        ("Classification note (privileged)", lambda r: r.classification_note),
        ("Company notes (privileged)", lambda r: r.company.notes if r.company else ""),
    ],
}
KINDS: dict[str, tuple[list[Column], tuple[str, ...]]] = {
    "notices": (NOTICE_COLUMNS, ("company", "campaign")),
    "deliveries": (DELIVERY_COLUMNS, ("notice",)),
    "replies": (REPLY_COLUMNS, ("notice", "company")),
}


def row_cells(columns: Sequence[Column], item: Any, *, typed: bool = False) -> list[Any]:
    """One row: each column's cell read from `item`, made safe for a spreadsheet; as text
    (CSV), or `typed` with dates and numbers kept for XLSX."""
    cell = typed_cell if typed else safe_cell
    return [cell(value(item)) for _, value in columns]


def export_rows(
    kind: str,
    queryset: QuerySet[Any],
    *,
    include_privileged: bool = False,
    chunk: int = CHUNK,
    typed: bool = False,
) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers and the rows of `queryset` (notices, deliveries or replies), read `chunk` rows
    at a time, as text for CSV or `typed` for XLSX; privileged notes only when
    `include_privileged` (the caller checks the permission)."""
    columns, related = KINDS[kind]
    if include_privileged:
        columns = columns + PRIVILEGED_COLUMNS.get(kind, [])

    def rows() -> Iterator[list[Any]]:
        for item in queryset.select_related(*related).iterator(chunk_size=chunk):
            yield row_cells(columns, item, typed=typed)

    return [name for name, _ in columns], rows()


def write_csv(headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def audit_csv(events: Iterable[AuditEvent]) -> bytes:
    """The events as CSV, in the order given (AUDIT_COLUMNS)."""
    return write_csv(
        [name for name, _ in AUDIT_COLUMNS], (row_cells(AUDIT_COLUMNS, e) for e in events)
    )


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_file(
    kind: str, fmt: str, letters: LetterFilter, *, include_privileged: bool
) -> tuple[bytes, str]:
    """The export of `kind` for the letters the filter chooses, as CSV or XLSX: (bytes, MIME)."""
    headers, rows = export_rows(
        kind, filtered(kind, letters), include_privileged=include_privileged, typed=fmt == "xlsx"
    )
    return spreadsheet(fmt, headers, rows, title=kind)


def spreadsheet(
    fmt: str, headers: list[str], rows: Iterable[list[Any]], *, title: str
) -> tuple[bytes, str]:
    """CSV (rows of text cells) or XLSX (rows of typed cells): (bytes, MIME)."""
    if fmt == "csv":
        return write_csv(headers, rows), "text/csv; charset=utf-8"
    return xlsx_bytes(headers, rows, title=title), XLSX_MIME


def filtered(kind: str, letters: LetterFilter) -> QuerySet[Any]:
    """The rows of `kind` for the letters the filter chooses (the dashboard's choice, with the
    letters' own status besides: selectors/letter_filters.py)."""
    chosen = {
        "notices": letters.letters,
        "deliveries": letters.deliveries,
        "replies": letters.replies,
    }[kind]
    return chosen()
