"""Importing companies and contacts: read, check, plan, and (on request) write it all or nothing."""

import hashlib
import os
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from warnings_app.integrations.spreadsheets import FileRefused, read_table
from warnings_app.models import Company
from warnings_app.services.audit import audit_record
from warnings_app.services.companies import (
    company_create,
    company_update,
    contact_create,
    contact_update,
)
from warnings_app.services.errors import ServiceError
from warnings_app.services.imports.plan import plan_records
from warnings_app.services.imports.plan_parts import CompanyPlan, Plan
from warnings_app.services.imports.report import Report
from warnings_app.services.imports.validate import Problem, check_table

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class _RollBack(Exception):
    """Raised inside the transaction to undo every write of a commit that cannot finish."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason)
        self.problem = problem


def companies_import(
    *, file_bytes: bytes, filename: str, encoding: str = "", by: "User | None", commit: bool
) -> Report:
    """Check `file_bytes` and say what importing it would do; with `commit`, also do it — all
    rows in one transaction, through the company and contact services (each change audited),
    plus one `import.committed` event. A file with any problem writes nothing. The file is
    always checked again here, so a commit never trusts an earlier preview. Importing the same
    file twice changes nothing the second time (every row "unchanged")."""
    report = Report(
        filename=os.path.basename(filename or "upload")[:200],
        sha256=hashlib.sha256(file_bytes).hexdigest(),
        size=len(file_bytes),
    )
    try:
        table = read_table(file_bytes, encoding)
        checked = check_table(table)
    except FileRefused as exc:
        report.refused, report.encodings = str(exc), exc.candidates
        return report
    report.kind, report.encoding, report.notes = table.kind, table.encoding, table.notes
    report.rows, report.blank_rows = len(table.rows), table.blank_rows
    report.problems, report.warnings = checked.problems, checked.warnings
    if not commit or report.problems:
        _fill(report, plan_records(checked.records))
        return report
    try:
        with transaction.atomic():
            plan = plan_records(checked.records)  # the register as it is now
            _fill(report, plan)
            if plan.problems:
                return report
            _write(plan, by)
            audit_record(
                actor=by,
                verb="import.committed",
                data={
                    "filename": report.filename,
                    "sha256": report.sha256,
                    "encoding": report.encoding,
                    "rows": report.rows,
                    "counts": report.counts,
                },
            )
    except _RollBack as exc:
        report.problems.append(exc.problem)
        return report
    report.committed = True
    return report


def _fill(report: Report, plan: Plan) -> None:
    report.problems = sorted([*report.problems, *plan.problems], key=lambda p: p.row)
    report.warnings += plan.warnings
    report.plan = plan.rows
    report.counts = plan.counts()


def _write(plan: Plan, by: "User | None") -> None:
    """Companies first, then parents and contacts. A refusal from the database (another user
    registered the same domain a moment ago) undoes the whole import."""
    try:
        _write_all(plan, by)
    except (ServiceError, IntegrityError) as exc:
        raise _RollBack(
            Problem(0, "", f"{exc} Nothing was imported; check and try again.")
        ) from exc


def _write_all(plan: Plan, by: "User | None") -> None:
    saved = [_write_company(group, by) for group in plan.companies]
    for group, company in zip(plan.companies, saved, strict=True):
        # (a "parent" change is only planned with the parent it sets)
        if "parent" in group.changes and group.parent is not None:
            kind, ref = group.parent
            parent = saved[ref] if kind == "g" else Company.objects.get(pk=ref)
            company_update(company=company, by=by, parent=parent)
        for contact in group.contacts:
            if contact.existing is None:
                values = {"role": "legal_notices", **contact.values}
                contact_create(company=company, by=by, **values)
            elif contact.changes:
                contact_update(contact=contact.existing, by=by, **contact.changes)


def _write_company(group: CompanyPlan, by: "User | None") -> Company:
    """Create or update one company; its parent is set in a second pass, once every company
    of the file exists."""
    if group.existing is None:
        values = {"segment": Company.Segment.OTHER, **group.values}
        return company_create(by=by, tags=group.tags, aliases="\n".join(group.aliases), **values)
    changes = {k: v for k, v in group.changes.items() if k != "parent"}
    tags = changes.pop("tags", None)
    if not changes and tags is None:
        return group.existing
    return company_update(company=group.existing, by=by, tags=tags, **changes)
