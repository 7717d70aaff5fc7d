"""Clean records -> what the import will do, row by row, against the register as it is now.

Rows for the same company are grouped first (same normalised domain; or same name key when at
least one of them has no domain: two rows with different domains are two companies). Each group
is then matched to the register the same way. Values are only filled in or replaced where the
file gives one and it differs; aliases and tags are added, never removed; a file never erases.
Two rows giving different values for the same field of one company is a problem, not a choice
we make for the user.

Contacts are identified within their company by e-mail (case-insensitive) or, without one, by
role and name.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from warnings_app.domain.normalise import company_name_key
from warnings_app.models import Company, Contact
from warnings_app.services.imports.validate import Problem, Record

Node = tuple[str, int]  # ("g", group index) or ("c", company pk)
MAX_DEPTH = 100


@dataclass
class ContactPlan:
    rows: list[int]
    values: dict[str, Any]
    existing: Contact | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> str:
        if self.existing is None:
            return "create"
        return "update" if self.changes else "unchanged"


@dataclass
class CompanyPlan:
    rows: list[int]
    values: dict[str, Any]
    aliases: list[str]
    tags: list[str]
    parent_domain: str = ""
    existing: Company | None = None
    matched_by: str = ""
    parent: Node | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    contacts: list[ContactPlan] = field(default_factory=list)

    @property
    def domain(self) -> str:
        return self.values.get("domain", "")

    @property
    def name_key(self) -> str:
        return company_name_key(self.values["legal_name"])

    @property
    def action(self) -> str:
        if self.existing is None:
            return "create"
        return "update" if self.changes else "unchanged"


@dataclass
class RowPlan:
    """What one row does, for the preview."""

    row: int
    legal_name: str
    action: str  # create, update, unchanged, or merge (into an earlier row's company)
    target: str
    changes: list[str]
    contact: str  # "", create, update, unchanged, or merge
    contact_changes: list[str]


@dataclass
class Plan:
    companies: list[CompanyPlan] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {
            f"{kind}_{action}": 0
            for kind in ("companies", "contacts")
            for action in ("create", "update", "unchanged")
        }
        for company in self.companies:
            counts[f"companies_{company.action}"] += 1
            for contact in company.contacts:
                counts[f"contacts_{contact.action}"] += 1
        return counts


def plan_records(records: list[Record]) -> Plan:
    plan = Plan()
    by_row: dict[int, tuple[CompanyPlan, ContactPlan | None, bool]] = {}
    index = _Index()
    for record in records:
        _group(plan, record, by_row, index)
    _match_companies(plan)
    _resolve_parents(plan)
    _match_contacts(plan)
    rejected = {p.row for p in plan.problems}
    for record in records:
        if record.row in by_row and record.row not in rejected:
            plan.rows.append(_row_plan(record, *by_row[record.row]))
    return plan


@dataclass
class _Index:
    """The file's companies so far, by domain and by name key (a 20,000-row file must not
    compare every row with every other)."""

    by_domain: dict[str, CompanyPlan] = field(default_factory=dict)
    by_key: dict[str, list[CompanyPlan]] = field(default_factory=dict)


def _group(plan: Plan, record: Record, by_row: dict, index: _Index) -> None:
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
    contact = _add_contact(plan, group, record) if record.contact is not None else None
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


def _contact_identity(values: dict[str, Any]) -> tuple[str, ...]:
    if values.get("email"):
        return ("email", values["email"].casefold())
    role = values.get("role", Contact.Role.LEGAL_NOTICES)
    return ("name", role, values.get("name", "").casefold())


def _add_contact(plan: Plan, group: CompanyPlan, record: Record) -> ContactPlan | bool:
    identity = _contact_identity(record.contact)
    for contact in group.contacts:
        if _contact_identity(contact.values) == identity:
            for name, value in record.contact.items():
                earlier = contact.values.get(name, value)
                if earlier != value:
                    reason = f"Row {contact.rows[0]} gives this contact “{_short(earlier)}”."
                    plan.problems.append(Problem(record.row, _contact_column(name), reason))
                    return False
            contact.values.update(record.contact)
            contact.rows.append(record.row)
            return contact
    contact = ContactPlan(rows=[record.row], values=dict(record.contact))
    group.contacts.append(contact)
    return contact


def _contact_column(name: str) -> str:
    if name in ("role", "name", "title", "email", "phone", "country"):
        return f"contact_{name}"
    return name


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _match_companies(plan: Plan) -> None:
    domains = {g.domain for g in plan.companies if g.domain}
    keys = {g.name_key for g in plan.companies}
    found = list(
        Company.objects.filter(Q(domain__in=domains) | Q(name_key__in=keys))
        .prefetch_related("tags")
        .order_by("pk")
    )
    by_domain = {c.domain: c for c in found if c.domain}
    by_key: dict[str, list[Company]] = {}
    for company in found:
        by_key.setdefault(company.name_key, []).append(company)
    claimed: dict[int, CompanyPlan] = {}
    for group in plan.companies:
        existing, matched_by = by_domain.get(group.domain) if group.domain else None, "domain"
        if existing is None:
            same = by_key.get(group.name_key, [])
            usable = [c for c in same if not (group.domain and c.domain)]
            if len(usable) > 1:
                names = "; ".join(f"{c.legal_name} ({c.domain or 'no domain'})" for c in usable)
                plan.problems.append(
                    Problem(
                        group.rows[0],
                        "legal_name",
                        f"Matches several registered companies: "
                        f"{names}. Give the domain to say which.",
                    )
                )
                continue
            existing, matched_by = (usable[0], "name") if usable else (None, "")
            for other in same:
                if other not in usable:
                    plan.warnings.append(
                        Problem(
                            group.rows[0],
                            "domain",
                            f"{other.legal_name} ({other.domain}) "
                            "has the same name but another domain; this row is a separate "
                            "company.",
                        )
                    )
        if existing is None:
            continue
        if existing.pk in claimed:
            plan.problems.append(
                Problem(
                    group.rows[0],
                    "legal_name",
                    f"Row {claimed[existing.pk].rows[0]} is "
                    f"already {existing.legal_name}; merge the rows or fix the domain.",
                )
            )
            continue
        claimed[existing.pk] = group
        group.existing, group.matched_by = existing, matched_by
        group.changes = _company_changes(group, existing)


def _company_changes(group: CompanyPlan, company: Company) -> dict[str, Any]:
    changes = {}
    for name, value in group.values.items():
        current = getattr(company, name)
        current = current.code if name == "country" else current
        if name == "legal_name" and group.name_key == company.name_key:
            continue  # "ACME A.I. Limited" for "Acme AI Ltd": the same name, left as registered
        if value != current:
            changes[name] = value
    aliases = company.alias_list
    known = {a.casefold() for a in aliases}
    added = [a for a in group.aliases if a.casefold() not in known]
    if added:
        changes["aliases"] = "\n".join(aliases + added)
    tags = [t.name for t in company.tags.all()]
    new_tags = [t for t in group.tags if t not in tags]
    if new_tags:
        changes["tags"] = tags + new_tags
    return changes


def _resolve_parents(plan: Plan) -> None:
    wanted = {g.parent_domain for g in plan.companies if g.parent_domain}
    if not wanted:
        return
    nodes: dict[str, Node] = {}
    for company in Company.objects.filter(domain__in=wanted).only("pk", "domain"):
        nodes[company.domain] = ("c", company.pk)
    for index, group in enumerate(plan.companies):
        if group.domain:
            nodes[group.domain] = ("g", index)  # a group that matched a company stands for it
    as_group = {("c", g.existing.pk): ("g", i) for i, g in enumerate(plan.companies) if g.existing}
    for index, group in enumerate(plan.companies):
        if not group.parent_domain:
            continue
        node = nodes.get(group.parent_domain)
        node = as_group.get(node, node)
        if node is None:
            plan.problems.append(
                Problem(
                    group.rows[0],
                    "parent_domain",
                    f"No company with the domain "
                    f"{group.parent_domain} is registered or in this file.",
                )
            )
        elif node == ("g", index):
            plan.problems.append(
                Problem(group.rows[0], "parent_domain", "A company cannot be its own parent.")
            )
        else:
            group.parent = node
    for index, group in enumerate(plan.companies):
        if group.parent is None:
            continue
        if _ancestors_reach(plan, group.parent, ("g", index), as_group):
            plan.problems.append(
                Problem(
                    group.rows[0],
                    "parent_domain",
                    "This parent would make the company its own ancestor.",
                )
            )
            group.parent = None
            continue
        current = group.existing.parent_id if group.existing else None
        kind, ref = group.parent
        parent_company = plan.companies[ref].existing if kind == "g" else None
        target_pk = ref if kind == "c" else (parent_company.pk if parent_company else None)
        if target_pk is None or target_pk != current:
            group.changes["parent"] = group.parent


def _ancestors_reach(plan: Plan, start: Node, target: Node, as_group: dict) -> bool:
    node: Node | None = start
    for _step in range(MAX_DEPTH):
        if node is None:
            return False
        if node == target:
            return True
        if node[0] == "g":
            group = plan.companies[node[1]]
            if group.parent is not None:
                node = group.parent
                continue
            pk = group.existing.parent_id if group.existing else None
        else:
            pk = Company.objects.filter(pk=node[1]).values_list("parent_id", flat=True).first()
        node = as_group.get(("c", pk), ("c", pk)) if pk else None
    return True  # deeper than any real group of companies: treat as a loop


def _match_contacts(plan: Plan) -> None:
    pks = [g.existing.pk for g in plan.companies if g.existing]
    existing: dict[int, list[Contact]] = {}
    for contact in Contact.objects.filter(company_id__in=pks).order_by("pk"):
        existing.setdefault(contact.company_id, []).append(contact)
    for group in plan.companies:
        if not group.existing:
            continue
        for contact in group.contacts:
            identity = _contact_identity(contact.values)
            same = [c for c in existing.get(group.existing.pk, []) if _identity_of(c) == identity]
            if len(same) > 1:
                plan.problems.append(
                    Problem(
                        contact.rows[0],
                        "contact_name",
                        "Several registered contacts of "
                        "this company have this role and name; give the e-mail address.",
                    )
                )
                continue
            if same:
                contact.existing = same[0]
                contact.changes = _contact_changes(contact.values, same[0])


def _identity_of(contact: Contact) -> tuple[str, ...]:
    return _contact_identity({"email": contact.email, "role": contact.role, "name": contact.name})


def _contact_changes(values: dict[str, Any], contact: Contact) -> dict[str, Any]:
    changes = {}
    for name, value in values.items():
        current = getattr(contact, name)
        current = current.code if name == "country" else current
        if value != current:
            changes[name] = value
    return changes


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
