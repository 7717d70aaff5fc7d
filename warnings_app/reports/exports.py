"""CSV and XLSX exports of notices, deliveries and replies, and the column set of every CSV the
system writes: each is defined here once and used by every writer of that file (the evidence
bundle's deliveries.csv is the deliveries export; its audit.csv and the audit log's download are
`AUDIT_COLUMNS`). Every text cell that a spreadsheet would take for a formula (it begins with =,
+, -, @, a tab or a carriage return) is written with a leading apostrophe, so opening an export
never runs anything a company put in its name."""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone

from warnings_app.integrations.spreadsheets import xlsx_bytes
from warnings_app.models import AuditEvent
from warnings_app.selectors.letter_filters import LetterFilter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def safe_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if hasattr(value, "isoformat"):  # dates and times: naive local text, the same in both formats
        if hasattr(value, "tzinfo") and value.tzinfo is not None:
            value = timezone.localtime(value)
        return (
            value.isoformat(sep=" ", timespec="seconds") if hasattr(value, "hour") else str(value)
        )
    return value


# A column: its header, and how to read its cell from a row's object.
Column = tuple[str, Callable[[Any], Any]]

NOTICE_COLUMNS: list[Column] = [
    ("reference", lambda n: n.reference),
    ("company", lambda n: n.company.legal_name),
    ("company_domain", lambda n: n.company.domain),
    ("country", lambda n: n.company.country.code),
    ("segment", lambda n: n.company.segment),
    ("campaign", lambda n: n.campaign.name if n.campaign else ""),
    ("status", lambda n: n.status),
    ("sent_at", lambda n: n.sent_at),
    ("due_date", lambda n: n.due_date),
    ("pdf_sha256", lambda n: n.pdf_sha256),
]
DELIVERY_COLUMNS: list[Column] = [
    ("reference", lambda d: d.notice.reference),
    ("channel", lambda d: d.channel),
    ("recipient", lambda d: d.recipient),
    ("outcome", lambda d: d.outcome),
    ("server_reply", lambda d: d.server_reply),
    ("message_id", lambda d: d.message_id),
    ("reply_to", lambda d: d.reply_to),
    ("return_path", lambda d: d.return_path),
    ("pdf_sha256", lambda d: d.pdf_sha256),
    ("started_at", lambda d: d.started_at),
    ("finished_at", lambda d: d.finished_at),
    ("tracking_number", lambda d: d.tracking_number),
]
REPLY_COLUMNS: list[Column] = [
    ("received_at", lambda r: r.received_at),
    ("reference", lambda r: r.notice.reference if r.notice else ""),
    ("company", lambda r: r.company.legal_name if r.company else ""),
    ("channel", lambda r: r.channel),
    ("kind", lambda r: r.kind),
    ("sender", lambda r: r.sender),
    ("subject", lambda r: r.subject),
    ("outcome", lambda r: r.outcome),
    ("raw_sha256", lambda r: r.raw_sha256),
]
# The audit log as CSV: the download of the audit log page and audit.csv in the evidence bundle.
# `hash` is the event's link in the audit chain (domain/audit_chain.py), so an extract can be
# checked against the log; `data` is the event's JSON with its keys sorted.
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
]
# Legal's internal notes are attorney work product: these columns are added only when someone
# with warnings_app.include_privileged asks (include_privileged=1), and the audit says so.
PRIVILEGED_COLUMNS: dict[str, list[Column]] = {
    "notices": [("company_notes", lambda n: n.company.notes)],
    "replies": [
        ("classification_note", lambda r: r.classification_note),
        ("company_notes", lambda r: r.company.notes if r.company else ""),
    ],
}
KINDS: dict[str, tuple[list[Column], tuple[str, ...]]] = {
    "notices": (NOTICE_COLUMNS, ("company", "campaign")),
    "deliveries": (DELIVERY_COLUMNS, ("notice",)),
    "replies": (REPLY_COLUMNS, ("notice", "company")),
}


def row_cells(columns: Sequence[Column], item: Any) -> list[Any]:
    """One row: each column's cell read from `item`, made safe for a spreadsheet."""
    return [safe_cell(value(item)) for _, value in columns]


def export_rows(
    kind: str, queryset: QuerySet[Any], *, include_privileged: bool = False, chunk: int = CHUNK
) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers and the rows of `queryset` (notices, deliveries or replies), read `chunk` rows
    at a time; privileged notes only when `include_privileged` (the caller checks the
    permission)."""
    columns, related = KINDS[kind]
    if include_privileged:
        columns = columns + PRIVILEGED_COLUMNS.get(kind, [])

    def rows() -> Iterator[list[Any]]:
        for item in queryset.select_related(*related).iterator(chunk_size=chunk):
            yield row_cells(columns, item)

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
        kind, filtered(kind, letters), include_privileged=include_privileged
    )
    if fmt == "csv":
        return write_csv(headers, rows), "text/csv; charset=utf-8"
    return xlsx_bytes(headers, rows, title=kind), XLSX_MIME


def filtered(kind: str, letters: LetterFilter) -> QuerySet[Any]:
    """The rows of `kind` for the letters the filter chooses (the dashboard's choice, with the
    letters' own status besides: selectors/letter_filters.py)."""
    chosen = {
        "notices": letters.letters,
        "deliveries": letters.deliveries,
        "replies": letters.replies,
    }[kind]
    return chosen()
