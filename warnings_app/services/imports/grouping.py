"""The file's rows grouped into companies, before the register is looked at.

Rows for the same company are grouped (same normalised domain; or same name key when at least
one of them has no domain: two rows with different domains are two companies). Two rows giving
different values for the same field of one company, or for one contact, is a problem, not a
choice we make for the user. A contact is the same contact by contact_identity."""

from dataclasses import dataclass, field
from typing import Any, Literal

from warnings_app.services.imports.plan_parts import (
    CompanyPlan,
    ContactPlan,
    Plan,
    contact_identity,
)
from warnings_app.services.imports.validate import Problem, Record

# Per accepted row: its company, its contact (if it gives one), and whether it merged into an
# earlier row's company.
Grouped = tuple[CompanyPlan, ContactPlan | None, bool]


def group_records(plan: Plan, records: list[Record]) -> dict[int, Grouped]:
    """Group `records` into plan.companies (problems into plan.problems); what each accepted
    row belongs to, by row number."""
    by_row: dict[int, Grouped] = {}
    index = _Index()
    for record in records:
        _group(plan, record, by_row, index)
    return by_row


@dataclass
class _Index:
    """The file's companies so far, by domain and by name key (a 20,000-row file must not
    compare every row with every other)."""

    by_domain: dict[str, CompanyPlan] = field(default_factory=dict)
    by_key: dict[str, list[CompanyPlan]] = field(default_factory=dict)


def _group(plan: Plan, record: Record, by_row: dict[int, Grouped], index: _Index) -> None:
    groups = plan.companies
    group = index.by_domain.get(record.domain) if record.domain else None
    if group is None:
        same_name = [
            g
            for g in index.by_key.get(record.name_key, [])
            if not (record.domain and g.domain and g.domain != record.domain)
        ]
        if len(same_name) > 1:
            rows = ", ".join(str(g.rows[0]) for g in same_name)
            plan.problems.append(
                Problem(
                    record.row,
                    "domain",
                    f"Same name as rows {rows}, which have different "
                    "domains: give this row's domain to say which company it is.",
                )
            )
            return
        group = same_name[0] if same_name else None
    if group is None:
        group = CompanyPlan(
            rows=[record.row],
            values=dict(record.company),
            aliases=list(record.aliases),
            tags=list(record.tags),
            parent_domain=record.parent_domain,
        )
        groups.append(group)
        index.by_key.setdefault(record.name_key, []).append(group)
        merged = False
    else:
        if not _merge_company(plan, group, record):
            return
        merged = True
    if group.domain:
        index.by_domain[group.domain] = group
    contact = (
        _add_contact(plan, group, record.row, record.contact)
        if record.contact is not None
        else None
    )
    if contact is not False:
        by_row[record.row] = (group, contact, merged)


def _merge_company(plan: Plan, group: CompanyPlan, record: Record) -> bool:
    first = group.rows[0]
    ok = True
    for name, value in record.company.items():
        current = group.values.get(name)
        if name == "legal_name" and group.name_key == record.name_key:
            continue  # the same name spelled differently: the first spelling is kept
        if current not in (None, "") and current != value:
            plan.problems.append(
                Problem(
                    record.row,
                    name,
                    f"Row {first} gives the same company “{_short(current)}”; this row gives "
                    f"“{_short(value)}”. Make them agree.",
                )
            )
            ok = False
    if record.parent_domain and group.parent_domain not in ("", record.parent_domain):
        plan.problems.append(
            Problem(record.row, "parent_domain", f"Row {first} gives another parent company.")
        )
        ok = False
    if not ok:
        return False
    for name, value in record.company.items():
        group.values.setdefault(name, value)
    group.aliases += [a for a in record.aliases if a not in group.aliases]
    group.tags += [t for t in record.tags if t not in group.tags]
    group.parent_domain = group.parent_domain or record.parent_domain
    group.rows.append(record.row)
    return True


def _add_contact(
    plan: Plan, group: CompanyPlan, row: int, values: dict[str, Any]
) -> ContactPlan | Literal[False]:
    identity = contact_identity(values)
    for contact in group.contacts:
        if contact_identity(contact.values) == identity:
            for name, value in values.items():
                earlier = contact.values.get(name, value)
                if earlier != value:
                    reason = f"Row {contact.rows[0]} gives this contact “{_short(earlier)}”."
                    plan.problems.append(Problem(row, _contact_column(name), reason))
                    return False
            contact.values.update(values)
            contact.rows.append(row)
            return contact
    contact = ContactPlan(rows=[row], values=dict(values))
    group.contacts.append(contact)
    return contact


def _contact_column(name: str) -> str:
    if name in ("role", "name", "title", "email", "phone", "country"):
        return f"contact_{name}"
    return name


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"
