"""Importing a licensee's usage report and reconciling it with its licence.

The file is read by the import machinery (integrations/spreadsheets.read_table: encodings,
XLSX, limits) and checked row by row (services/imports/usage_rows.py); its report has the
company import's shape (services/imports/report.Report). All or nothing: one bad row and
nothing is stored. The same file for the same licence (same SHA-256) is imported once: again, it
is "already imported", and nothing changes — no rows, no findings, no audit event."""

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from warnings_app.domain import uploads
from warnings_app.domain.usage_checks import (
    RowFacts,
    period_misses_term,
    period_outside_term,
    row_findings,
    work_out_of_scope,
)
from warnings_app.integrations.spreadsheets import FileRefused, read_table
from warnings_app.models.licences import Licence
from warnings_app.models.usage import UsageFinding, UsageReport, UsageRow
from warnings_app.selectors.usage_reports import (
    licence_included_work_ids,
    reservations_over,
    usage_catalogue,
    usage_report_already,
)
from warnings_app.services.audit import audit_record
from warnings_app.services.imports.report import Report
from warnings_app.services.imports.usage_rows import UsageLine, usage_table_check
from warnings_app.services.stored_files import stored_file_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class UsageImport:
    """What an import did: the file's report (problems by row, counts per finding kind), and the
    usage report stored — or the one the same file was already imported as."""

    report: Report
    usage_report: UsageReport | None = None
    already: UsageReport | None = None


def already_imported_phrase(report: UsageReport) -> str:
    who = report.imported_by.get_full_name() or report.imported_by.get_username()
    return f"This file was already imported on {report.imported_at:%d/%m/%Y} by {who}."


def usage_report_import(
    *,
    licence: Licence,
    file_bytes: bytes,
    filename: str,
    period_start: date,
    period_end: date,
    by: "User",
) -> UsageImport:
    """Check the file and, when every row is good, store it with its rows and findings in one
    transaction with one `usage_report.imported` event. Re-run with the same bytes: nothing
    changes and the earlier report is returned as `already`."""
    report = Report(
        filename=os.path.basename(filename or "usage")[:200],
        sha256=hashlib.sha256(file_bytes).hexdigest(),
        size=len(file_bytes),
    )
    result = UsageImport(report=report)
    if (already := usage_report_already(licence, report.sha256)) is not None:
        report.refused, result.already = already_imported_phrase(already), already
        return result
    if period_end < period_start:
        report.refused = "The report's period ends before it starts."
        return result
    if why := period_misses_term(licence, period_start, period_end):
        report.refused = f"The report's period {why}."
        return result
    try:
        table = read_table(file_bytes)
        checked = usage_table_check(table, period_start=period_start, period_end=period_end)
    except FileRefused as exc:
        report.refused, report.encodings = str(exc), exc.candidates
        return result
    report.kind, report.encoding, report.notes = table.kind, table.encoding, table.notes
    report.rows, report.blank_rows = len(table.rows), table.blank_rows
    report.problems, report.warnings = checked.problems, checked.warnings
    if report.problems:
        return result
    if not checked.lines:
        report.refused = "The file has a header but no rows."
        return result
    kind = uploads.check(
        file_bytes,
        allowed=frozenset({uploads.TEXT, uploads.XLSX}),
        max_bytes=uploads.IMPORT_MAX_BYTES,
    )
    extension = ".xlsx" if kind.kind == uploads.XLSX else ".csv"
    name = stored_file_save(folder="licences/usage", content=file_bytes, extension=extension)
    try:
        with transaction.atomic():
            usage_report = UsageReport.objects.create(
                licence=licence,
                period_start=period_start,
                period_end=period_end,
                file=name,
                original_filename=report.filename,
                content_type=kind.content_type if extension == ".xlsx" else "text/csv",
                size=report.size,
                sha256=report.sha256,
                rows=len(checked.lines),
                imported_by=by,
            )
            findings = _reconcile(usage_report, checked.lines)
            report.counts = {"rows": len(checked.lines), **_counts(findings)}
            audit_record(
                actor=by,
                verb="usage_report.imported",
                target=usage_report,
                data={
                    "licence_id": licence.pk,
                    "filename": report.filename,
                    "sha256": report.sha256,
                    "period": [period_start.isoformat(), period_end.isoformat()],
                    "counts": report.counts,
                },
            )
    except IntegrityError:
        # The same file, imported by someone else a moment ago.
        default_storage.delete(name)
        found = usage_report_already(licence, report.sha256)
        if found is None:
            raise
        report.refused, result.already = already_imported_phrase(found), found
        return result
    except Exception:
        default_storage.delete(name)
        raise
    report.committed = True
    result.usage_report = usage_report
    return result


def _reconcile(usage_report: UsageReport, lines: list[UsageLine]) -> list[UsageFinding]:
    """Store the rows with the works they name, and a finding for each thing a row shows that
    the licence does not allow (domain/usage_checks.row_findings)."""
    licence = usage_report.licence
    catalogue = usage_catalogue()
    rows = UsageRow.objects.bulk_create(
        UsageRow(
            report=usage_report,
            line=line.line,
            isrc=line.isrc,
            iswc=line.iswc,
            title=line.title,
            artist=line.artist,
            use=line.use,
            period_start=line.period_start,
            period_end=line.period_end,
            count=line.count,
            work_id=catalogue.find(
                isrc=line.isrc, iswc=line.iswc, title=line.title, artist=line.artist
            ),
        )
        for line in lines
    )
    if any(row.pk is None for row in rows):  # bulk_create sets keys on PostgreSQL and SQLite
        rows = list(UsageRow.objects.filter(report=usage_report).order_by("line"))
    included = licence_included_work_ids(licence)
    reserved = reservations_over(
        (row.work_id, row.period_start, row.period_end) for row in rows if row.work_id
    )
    findings = []
    for row in rows:
        reservation = (
            reserved.get((row.work_id, row.period_start, row.period_end)) if row.work_id else None
        )
        facts = RowFacts(
            use=row.use,
            work_id=row.work_id,
            out_of_scope=row.work_id is not None
            and work_out_of_scope(licence, row.work_id, included),
            reserved_artist=reservation.artist if reservation else "",
            reserved_since=reservation.since if reservation else None,
            outside_term=period_outside_term(licence, row.period_start, row.period_end),
        )
        findings += [
            UsageFinding(
                licence=licence, report=usage_report, row=row, kind=kind, detail=detail[:1000]
            )
            for kind, detail in row_findings(licence, facts)
        ]
    return UsageFinding.objects.bulk_create(findings)


def _counts(findings: list[UsageFinding]) -> dict[str, int]:
    counts = dict.fromkeys(UsageFinding.Kind.values, 0)
    for finding in findings:
        counts[finding.kind] += 1
    return counts
