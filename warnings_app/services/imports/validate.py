"""Rows of text -> clean records and problems, by row and column.

Each row goes through the register's own forms (CompanyForm, ContactForm), so the importer
accepts exactly what the pages accept. Two rules of those forms are the planner's business
instead: "domain already registered" and "looks like a company already in the register" are
what an import means to update or merge, not errors.

An empty cell means "no value given": it never erases what the register holds.
"""

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.html import strip_tags
from django_countries import countries

from warnings_app.domain.normalise import company_name_key, normalise_domain
from warnings_app.forms.register import CompanyForm, ContactForm
from warnings_app.integrations.spreadsheets import FileRefused, Table
from warnings_app.models import Company, Contact
from warnings_app.reports.exports import FORMULA_STARTS
from warnings_app.services.imports.columns import ALL_COLUMNS, CONTACT_NAMES, REQUIRED, header_key

if TYPE_CHECKING:
    from warnings_app.forms.register import VersionedForm

    _RowFormBase = VersionedForm  # _Fast is mixed into CompanyForm and ContactForm only
else:
    _RowFormBase = object

MAX_CELL = 2000
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^\+[0-9 ().\-/]{4,39}$")
_COMPANY_ERRORS = {"__all__": "legal_name", "tags": "tags"}
_CONTACT_ERRORS = {
    "role": "contact_role",
    "name": "contact_name",
    "title": "contact_title",
    "organisation": "contact_name",
    "email": "contact_email",
    "phone": "contact_phone",
    "country": "contact_country",
    "notes": "contact_name",
    "__all__": "contact_email",
}


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    reason: str


@dataclass
class Record:
    """One valid row: only the values its cells gave (form field names), cleaned."""

    row: int
    company: dict[str, Any]
    aliases: list[str]
    tags: list[str]
    parent_domain: str
    contact: dict[str, Any] | None

    @property
    def domain(self) -> str:
        domain: str = self.company.get("domain", "")
        return domain

    @property
    def name_key(self) -> str:
        return company_name_key(self.company["legal_name"])


@dataclass
class Checked:
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


class _Fast(_RowFormBase):
    """Row forms get the country as a code already checked by country_code(), so a plain field
    replaces the 250-entry choice list (checking it twice per row cost 10 s per 2,000 rows), and
    model checks that only repeat the form's own ones, or the planner's, are left out."""

    skip_model_checks: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"] = forms.CharField(
            required=self.fields["country"].required, max_length=2
        )
        # The model's check constraints (a valid role; not its own parent) each cost a query
        # per row and repeat what the form's choice field and the planner already check.
        self.instance.validate_constraints = lambda *args, **kwargs: None

    def _get_validation_exclusions(self) -> set[str]:
        base = super()._get_validation_exclusions  # type: ignore[misc]  # private: not in the stubs
        exclusions: set[str] = base()
        return exclusions | self.skip_model_checks


class CompanyRowForm(_Fast, CompanyForm):
    """CompanyForm without its register look-ups (see the module docstring). The unique-domain
    constraint is the planner's: a registered domain means "update", not "error"."""

    skip_model_checks = frozenset({"domain", "country", "parent"})

    def clean_domain(self) -> str:
        raw = self.cleaned_data["domain"] or self.data.get("website", "")
        try:
            return normalise_domain(raw)
        except ValueError as exc:
            raise forms.ValidationError(str(exc).capitalize() + ".") from exc

    def clean(self) -> dict[str, Any]:
        forms.ModelForm.clean(self)  # the model form's own clean, not CompanyForm's look-ups
        return self.cleaned_data  # what ModelForm.clean returns


class ContactRowForm(_Fast, ContactForm):
    skip_model_checks = frozenset({"country", "role"})


def columns_of(header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    """Column name -> index. Unknown headers are warnings; a missing required or a repeated
    header refuses the file."""
    index: dict[str, int] = {}
    warnings = []
    for position, text in enumerate(header):
        key = header_key(text)
        if not key:
            continue
        if key not in ALL_COLUMNS:
            warnings.append(Problem(1, text.strip()[:100], "Unknown column; it was ignored."))
        elif key in index:
            raise FileRefused(f"The column “{key}” appears twice in the header row.")
        else:
            index[key] = position
    missing = [name for name in REQUIRED if name not in index]
    if missing:
        found = ", ".join(header_key(h) for h in header if header_key(h)) or "none"
        raise FileRefused(
            f"Required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}. "
            f"The header row has: {found[:500]}."
        )
    return index, warnings


def check_table(table: Table) -> Checked:
    index, warnings = columns_of(table.header)
    checked = Checked(warnings=warnings)
    for number, cells in table.rows:
        values, problems = _cells(number, cells, index, len(table.header))
        record = _record(number, values, problems)
        checked.problems.extend(problems)
        if record is not None and not problems:
            checked.records.append(record)
    return checked


def _cells(
    number: int, cells: list[str], index: dict[str, int], width: int
) -> tuple[dict[str, str], list[Problem]]:
    values: dict[str, str] = {}
    problems: list[Problem] = []
    if any(c.strip() for c in cells[width:]):
        problems.append(
            Problem(
                number,
                "",
                f"The row has values beyond the {width} header columns: is a value with a "
                "comma or “;” in it missing its quotes?",
            )
        )
    for name, position in index.items():
        raw = cells[position] if position < len(cells) else ""
        reason = cell_problem(name, raw)
        if reason:
            problems.append(Problem(number, name, reason))
            continue
        values[name] = raw.replace("\r\n", "\n").strip()
    return values, problems


def cell_problem(name: str, raw: str) -> str:
    """What is wrong with one cell as a file gave it (too long, control characters, a
    formula), or "". Shared by every import of a spreadsheet (companies, usage reports)."""
    if len(raw) > MAX_CELL:
        return f"Has {len(raw):,} characters; a cell may have at most {MAX_CELL:,}."
    if "\x00" in raw:
        return "Contains a NUL byte."
    if _CONTROL.search(raw):
        return "Contains control characters."
    text = raw.strip()
    if text.startswith(FORMULA_STARTS):
        if name == "contact_phone" and _PHONE.match(text):
            return ""  # "+49 30 1234567" is a phone number, not a formula
        return "Looks like a formula (starts with “=”, “+”, “-” or “@”); formulas are not imported."
    return ""


def _choice(text: str, choices: list[tuple[str, str]]) -> str | None:
    wanted = " ".join(text.replace("_", " ").split()).casefold()
    for value, label in choices:
        if wanted in (value.replace("_", " ").casefold(), str(label).casefold()):
            return value
    return None


_COUNTRY_NAMES: dict[str, str] = {}


def country_code(text: str) -> str | None:
    """ "de", "DEU" or "Germany" -> "DE"."""
    if not _COUNTRY_NAMES:
        for code, name in countries:
            _COUNTRY_NAMES[code.casefold()] = code
            _COUNTRY_NAMES[str(name).casefold()] = code
    key = " ".join(text.split()).casefold()
    if key in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[key]
    code = countries.alpha2(key.upper()) if len(key) == 3 else ""
    return code or None


def _record(number: int, values: dict[str, str], problems: list[Problem]) -> Record | None:
    def fail(column: str, reason: str) -> None:
        problems.append(Problem(number, column, strip_tags(reason)))

    country = ""
    if values.get("country"):
        country = country_code(values["country"]) or ""
        if not country:
            fail("country", f"Unknown country “{values['country'][:60]}”: use a code like DE.")
    segment = Company.Segment.OTHER.value
    if values.get("segment"):
        segment = _choice(values["segment"], Company.Segment.choices) or ""
        if not segment:
            fail("segment", "Unknown segment; use one of: " + ", ".join(Company.Segment.values))
    aliases = re.split(r"[;\n]", values.get("aliases", ""))
    data = {
        "legal_name": values.get("legal_name", ""),
        "aliases": "\n".join(aliases),
        "website": values.get("website", ""),
        "domain": values.get("domain", ""),
        "country": country,
        "segment": segment,
        "notes": values.get("notes", ""),
        "tags": values.get("tags", "").replace(";", ","),
    }
    form = CompanyRowForm(data)
    already = {p.column for p in problems}
    if not form.is_valid():
        for name, errors in form.errors.items():
            column = _COMPANY_ERRORS.get(name, name)
            if column not in already:
                fail(column, " ".join(str(e) for e in errors))
    parent_domain = ""
    if values.get("parent_domain"):
        try:
            parent_domain = normalise_domain(values["parent_domain"])
        except ValueError as exc:
            fail("parent_domain", str(exc).capitalize() + ".")
    contact = _contact(number, values, problems)
    if problems:
        return None
    given = {"legal_name", "country"} | {
        k for k in ("website", "segment", "notes") if values.get(k)
    }
    if values.get("domain") or values.get("website"):
        given.add("domain")
    company = {k: form.cleaned_data[k] for k in given}
    return Record(
        row=number,
        company=company,
        aliases=form.cleaned_data["aliases"].splitlines(),
        tags=form.cleaned_data["tags"],
        parent_domain=parent_domain,
        contact=contact,
    )


def _contact(number: int, values: dict[str, str], problems: list[Problem]) -> dict[str, Any] | None:
    if not any(values.get(name) for name in CONTACT_NAMES):
        return None
    already = {p.column for p in problems}
    role = Contact.Role.LEGAL_NOTICES.value
    if values.get("contact_role"):
        role = _choice(values["contact_role"], Contact.Role.choices) or ""
        if not role:
            problems.append(
                Problem(
                    number, "contact_role", "Unknown role; use " + ", ".join(Contact.Role.values)
                )
            )
    country = ""
    if values.get("contact_country"):
        country = country_code(values["contact_country"]) or ""
        if not country:
            problems.append(
                Problem(number, "contact_country", "Unknown country: use a code like DE.")
            )
    fields = {
        "name": "contact_name",
        "title": "contact_title",
        "email": "contact_email",
        "phone": "contact_phone",
        "address_line1": "address_line1",
        "address_line2": "address_line2",
        "city": "city",
        "region": "region",
        "postal_code": "postal_code",
    }
    data = {field_name: values.get(column, "") for field_name, column in fields.items()}
    data.update(role=role, country=country, is_active="on", organisation="", notes="")
    form = ContactRowForm(data)
    if not form.is_valid():
        for name, errors in form.errors.items():
            column = _CONTACT_ERRORS.get(name, name)
            if column not in already and not any(p.column == column for p in problems):
                problems.append(Problem(number, column, strip_tags(" ".join(map(str, errors)))))
        return None
    given = {f for f, column in fields.items() if values.get(column)}
    given |= {"role"} if values.get("contact_role") else set()
    given |= {"country"} if country else set()
    return {k: form.cleaned_data[k] for k in given}
