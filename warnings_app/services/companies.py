"""Writes to the recipient register. Forms validate; these store and audit."""

from typing import Any

from django.db import transaction
from django.db.models import Model

from warnings_app.models import Company, Contact, Tag
from warnings_app.models.companies import COMPANY_EDITABLE_FIELDS as COMPANY_FIELDS
from warnings_app.models.companies import CONTACT_EDITABLE_FIELDS as CONTACT_FIELDS
from warnings_app.normalise import company_name_key
from warnings_app.services.audit import audit_record


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
def company_create(*, by: Any, tags: list[str] | None = None, **values: Any) -> Company:
    company = Company(created_by=by, **values)
    company.name_key = company_name_key(company.legal_name)
    company.save()
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
    *, company: Company, by: Any, tags: list[str] | None = None, **values: Any
) -> Company:
    """Store the edited values; the audit event lists each changed field as [before, after].
    Saving without changes writes nothing."""
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
    company.save()
    audit_record(actor=by, verb="company.updated", target=company, data={"changes": changes})
    return company


@transaction.atomic
def contact_create(*, company: Company, by: Any, **values: Any) -> Contact:
    contact = Contact.objects.create(company=company, **values)
    audit_record(
        actor=by,
        verb="contact.created",
        target=contact,
        data={"company_id": company.pk, **_snapshot(contact, CONTACT_FIELDS)},
    )
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, by: Any, **values: Any) -> Contact:
    before = _snapshot(contact, CONTACT_FIELDS)
    for name, value in values.items():
        setattr(contact, name, value)
    changes = _changes(before, _snapshot(contact, CONTACT_FIELDS))
    if not changes:
        return contact
    contact.save()
    audit_record(
        actor=by,
        verb="contact.updated",
        target=contact,
        data={"company_id": contact.company_id, "changes": changes},
    )
    return contact
