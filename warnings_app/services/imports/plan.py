"""Clean records -> what the import will do, row by row, against the register as it is now.

Rows for the same company are grouped first (same normalised domain; or same name key when at
least one of them has no domain: two rows with different domains are two companies). Each group
is then matched to the register the same way. Values are only filled in or replaced where the
file gives one and it differs; aliases and tags are added, never removed; a file never erases.
Two rows giving different values for the same field of one company is a problem, not a choice
we make for the user.

Contacts are identified within their company by e-mail (case-insensitive) or, without one, by
role and name.

plan_parts.py holds what a plan is made of, grouping.py groups the rows, matching.py matches the
groups to the register; plan_records runs them in that order and says what each row does.
"""

from warnings_app.services.imports.grouping import group_records
from warnings_app.services.imports.matching import match_register
from warnings_app.services.imports.plan_parts import CompanyPlan, ContactPlan, Plan, RowPlan
from warnings_app.services.imports.validate import Record


def plan_records(records: list[Record]) -> Plan:
    plan = Plan()
    by_row = group_records(plan, records)
    match_register(plan)
    rejected = {p.row for p in plan.problems}
    for record in records:
        if record.row in by_row and record.row not in rejected:
            plan.rows.append(_row_plan(record, *by_row[record.row]))
    return plan


def _row_plan(
    record: Record, group: CompanyPlan, contact: ContactPlan | None, merged: bool
) -> RowPlan:
    if merged:
        action, target, changes = "merge", f"row {group.rows[0]}", []
    else:
        action, target = group.action, ""
        changes = sorted(group.changes) if group.existing else []
        if group.existing:
            target = f"{group.existing.legal_name} (same {group.matched_by})"
    contact_action, contact_changes = "", []
    if contact is not None:
        if contact.rows[0] != record.row:
            contact_action = "merge"
        else:
            contact_action, contact_changes = contact.action, sorted(contact.changes)
    return RowPlan(
        row=record.row,
        legal_name=record.company["legal_name"],
        action=action,
        target=target,
        changes=changes,
        contact=contact_action,
        contact_changes=contact_changes,
    )
