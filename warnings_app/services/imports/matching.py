"""The file's companies matched to the register as it is now, then their parents and contacts.

Each group is matched the way rows are grouped (domain; or name key when either side has no
domain). Values are only filled in or replaced where the file gives one and it differs; aliases
and tags are added, never removed; a file never erases. A parent is a registered company or
another company of the file, never the company itself or one of its descendants. Contacts are
matched within their company by contact_identity."""

from typing import Any

from django.db.models import Q

from warnings_app.models import Company, Contact
from warnings_app.services.imports.plan_parts import CompanyPlan, Node, Plan, contact_identity
from warnings_app.services.imports.validate import Problem

MAX_DEPTH = 100


def match_register(plan: Plan) -> None:
    """Match plan.companies to the register: companies, then parents, then contacts. Each match
    and change is set on the plan; what cannot be matched is a problem or a warning."""
    _match_companies(plan)
    _resolve_parents(plan)
    _match_contacts(plan)


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
        found = nodes.get(group.parent_domain)
        node = as_group.get(found, found) if found is not None else None
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


def _ancestors_reach(plan: Plan, start: Node, target: Node, as_group: dict[Node, Node]) -> bool:
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
    for registered in Contact.objects.filter(company_id__in=pks).order_by("pk"):
        existing.setdefault(registered.company_id, []).append(registered)
    for group in plan.companies:
        if not group.existing:
            continue
        for contact in group.contacts:
            identity = contact_identity(contact.values)
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
    return contact_identity({"email": contact.email, "role": contact.role, "name": contact.name})


def _contact_changes(values: dict[str, Any], contact: Contact) -> dict[str, Any]:
    changes = {}
    for name, value in values.items():
        current = getattr(contact, name)
        current = current.code if name == "country" else current
        if value != current:
            changes[name] = value
    return changes
