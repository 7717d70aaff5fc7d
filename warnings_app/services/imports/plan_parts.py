"""What an import plan is made of: one CompanyPlan per company of the file (with its
ContactPlans and the register's company it matched, if any), one RowPlan per row for the
preview, and the Plan that holds them with the problems and warnings found on the way.

Contacts are identified within their company by e-mail (case-insensitive) or, without one, by
role and name (contact_identity)."""

from dataclasses import dataclass, field
from typing import Any

from warnings_app.domain.normalise import company_name_key
from warnings_app.models import Company, Contact
from warnings_app.services.imports.validate import Problem

Node = tuple[str, int]  # ("g", group index) or ("c", company pk)


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
        domain: str = self.values.get("domain", "")
        return domain

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


def contact_identity(values: dict[str, Any]) -> tuple[str, ...]:
    if values.get("email"):
        return ("email", values["email"].casefold())
    role = values.get("role", Contact.Role.LEGAL_NOTICES)
    return ("name", role, values.get("name", "").casefold())
