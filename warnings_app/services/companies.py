"""Writes to the recipient register. Forms validate; these store and audit."""

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Model

from warnings_app.domain.normalise import company_name_key
from warnings_app.models import Company, Contact, Tag
from warnings_app.models.companies import COMPANY_EDITABLE_FIELDS as COMPANY_FIELDS
from warnings_app.models.companies import CONTACT_EDITABLE_FIELDS as CONTACT_FIELDS
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class StaleEdit(ServiceError):
    """The record changed after the user opened it; nothing was saved."""


class DuplicateDomain(ServiceError):
    """Another company took the domain between the form check and the save."""


_Edited = TypeVar("_Edited", Company, Contact)


def _locked_current(model: type[_Edited], pk: int, expected: datetime | None) -> _Edited:
    current = model._default_manager.select_for_update().get(pk=pk)
    if expected is not None and current.updated_at != expected:
        raise StaleEdit(
            f"Someone else changed this record at {current.updated_at:%H:%M:%S} while you were "
            "editing it. Nothing was saved; your edits are still in the form — check them "
            "against the record and save again."
        )
    return current


def _save_company(company: Company, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            company.save(**kwargs)
    except IntegrityError as exc:
        if "domain" not in str(exc):  # the constraint's name (PostgreSQL) or column (SQLite)
            raise
        raise DuplicateDomain(
            f"{company.domain} was registered to another company a moment ago; nothing was saved."
        ) from exc


def _snapshot(obj: Model, fields: tuple[str, ...]) -> dict[str, Any]:
    values = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, Model):
            value = value.pk
        elif not isinstance(value, str | int | float | bool | None):
            value = str(value)  # e.g. a Country, stored by its code
        values[name] = value
    return values


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}


def _set_tags(company: Company, names: list[str]) -> list[str]:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in dict.fromkeys(names)]
    company.tags.set(tags)
    return sorted(t.name for t in tags)


@transaction.atomic
def company_create(*, by: "User | None", tags: list[str] | None = None, **values: Any) -> Company:
    company = Company(created_by=by, **values)
    company.name_key = company_name_key(company.legal_name)
    _save_company(company)
    tag_names = _set_tags(company, tags or [])
    audit_record(
        actor=by,
        verb="company.created",
        target=company,
        data={**_snapshot(company, COMPANY_FIELDS), "tags": tag_names},
    )
    return company


@transaction.atomic
def company_update(
    *,
    company: Company,
    by: "User | None",
    tags: list[str] | None = None,
    expected_version: datetime | None = None,
    **values: Any,
) -> Company:
    """Store the edited values on the locked current row; the audit event lists each changed
    field as [before, after]. With `expected_version` (the updated_at the user's form was built
    from) a concurrent change is refused rather than overwritten. No changes write nothing."""
    company = _locked_current(Company, company.pk, expected_version)
    before = _snapshot(company, COMPANY_FIELDS)
    before_tags = sorted(company.tags.values_list("name", flat=True))
    for name, value in values.items():
        setattr(company, name, value)
    company.name_key = company_name_key(company.legal_name)
    changes = _changes(before, _snapshot(company, COMPANY_FIELDS))
    after_tags = before_tags if tags is None else sorted(dict.fromkeys(tags))
    if after_tags != before_tags:
        _set_tags(company, after_tags)
        changes["tags"] = [before_tags, after_tags]
    if not changes:
        return company
    fields = [name for name in changes if name != "tags"]
    if fields:
        _save_company(company, update_fields=[*fields, "name_key", "updated_at"])
    audit_record(actor=by, verb="company.updated", target=company, data={"changes": changes})
    return company


@transaction.atomic
def contact_create(*, company: Company, by: "User | None", **values: Any) -> Contact:
    contact = Contact.objects.create(company=company, **values)
    audit_record(
        actor=by,
        verb="contact.created",
        target=contact,
        data={"company_id": company.pk, **_snapshot(contact, CONTACT_FIELDS)},
    )
    return contact


@transaction.atomic
def contact_update(
    *, contact: Contact, by: "User | None", expected_version: datetime | None = None, **values: Any
) -> Contact:
    """As company_update, for a contact."""
    contact = _locked_current(Contact, contact.pk, expected_version)
    before = _snapshot(contact, CONTACT_FIELDS)
    for name, value in values.items():
        setattr(contact, name, value)
    changes = _changes(before, _snapshot(contact, CONTACT_FIELDS))
    if not changes:
        return contact
    contact.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=by,
        verb="contact.updated",
        target=contact,
        data={"company_id": contact.company_id, "changes": changes},
    )
    return contact
