"""The recipient register and the rights asserted: companies, contacts, principals, works."""

from typing import Any

from django.db.models import Field, Model
from django_countries import countries
from rest_framework import serializers

from warnings_app.api.serializers.forms import validate_with_form
from warnings_app.api.serializers.ids import IdRelatedField
from warnings_app.api.serializers.strict import StrictTypes
from warnings_app.forms.register import CompanyForm, ContactForm
from warnings_app.models import Company, Contact, Principal, Work
from warnings_app.models.companies import COMPANY_EDITABLE_FIELDS, CONTACT_EDITABLE_FIELDS

COUNTRIES = list(countries)


class _CountryField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=COUNTRIES, **kwargs)

    def to_representation(self, value: Any) -> str:
        return str(getattr(value, "code", value) or "")


class _TagNamesField(serializers.ListField):
    """Tags by name, in and out (new names are created, as on the page)."""

    def to_representation(self, tags: Any) -> list[str]:
        return sorted(tag.name for tag in tags.all())


class CompanySerializer(StrictTypes, serializers.ModelSerializer[Company]):
    """Read: the company as the register page shows it. Write: the fields of the company form,
    checked by that form (domain normalised and unique, likely duplicates refused unless
    `confirm_not_duplicate`); the view stores it through the company services."""

    country = _CountryField()
    segment = serializers.ChoiceField(choices=Company.Segment.choices, required=False)
    website = serializers.CharField(max_length=300, required=False, allow_blank=True)
    domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    # A declared field: DRF's metaclass takes it out of the class, so it never is Field.parent.
    parent = IdRelatedField(  # type: ignore[assignment]
        queryset=Company.objects.all(), required=False, allow_null=True
    )
    tags = _TagNamesField(child=serializers.CharField(max_length=60), required=False, max_length=20)
    confirm_not_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Set after checking that a likely duplicate is a different company.",
    )

    class Meta:
        model = Company
        fields = [
            "id",
            "legal_name",
            "aliases",
            "website",
            "domain",
            "country",
            "segment",
            "parent",
            "tags",
            "hold_automation",
            "hold_reason",
            "notes",
            "confirm_not_duplicate",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        company = self.instance
        current: dict[str, Any] = {}
        if company is not None:
            current = {name: getattr(company, name) for name in COMPANY_EDITABLE_FIELDS}
            current["country"] = company.country.code
            current["tags"] = [t.name for t in company.tags.all()]
        merged = {**current, **attrs}
        form_data = {
            name: merged.get(name, _default(Company, name)) for name in COMPANY_EDITABLE_FIELDS
        }
        form_data["tags"] = ", ".join(merged.get("tags") or [])
        form_data["confirm_not_duplicate"] = attrs.get("confirm_not_duplicate", False)
        form = CompanyForm(
            form_data, instance=Company.objects.get(pk=company.pk) if company else None
        )
        cleaned = validate_with_form(form)
        parent = merged.get("parent")
        if parent is not None and company is not None:
            _refuse_cycle(company, parent)
        values = form.service_values()
        values["parent"] = parent
        return {"values": values, "tags": cleaned["tags"]}


def _default(model: type[Model], name: str) -> Any:
    """What the model stores when a field is left out (the form needs a value for each)."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise TypeError(f"{model.__name__}.{name} is a relation's other end, not a field")
    value = field.get_default()
    return "" if value is None else value


def _refuse_cycle(company: Company, parent: Company) -> None:
    ancestor: Company | None = parent
    seen: set[int] = set()
    while ancestor is not None and ancestor.pk not in seen:
        if ancestor.pk == company.pk:
            raise serializers.ValidationError(
                {"parent": ["A company cannot be its own parent or ancestor."]}
            )
        seen.add(ancestor.pk)
        ancestor = ancestor.parent


class ContactSerializer(StrictTypes, serializers.ModelSerializer[Contact]):
    """As CompanySerializer, with the contact form's rules (reachable, a whole postal address,
    counsel named). The company is chosen when the contact is created and never changes."""

    country = _CountryField(required=False, allow_blank=True)
    company = IdRelatedField(queryset=Company.objects.all())
    # Checked by the contact form; may be empty (a postal address alone will do).
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)

    class Meta:
        model = Contact
        fields = ["id", "company", *CONTACT_EDITABLE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_company(self, company: Company) -> Company:
        if self.instance is not None and company.pk != self.instance.company_id:
            raise serializers.ValidationError("A contact cannot move to another company.")
        return company

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        contact = self.instance
        current: dict[str, Any] = {}
        if contact is not None:
            current = {name: getattr(contact, name) for name in CONTACT_EDITABLE_FIELDS}
            current["country"] = contact.country.code if contact.country else ""
        merged = {**current, **attrs}
        form_data = {
            name: merged.get(name, _default(Contact, name)) for name in CONTACT_EDITABLE_FIELDS
        }
        form = ContactForm(
            form_data, instance=Contact.objects.get(pk=contact.pk) if contact else None
        )
        validate_with_form(form)
        company = attrs.get("company") or (contact.company if contact else None)
        return {"company": company, "values": form.service_values()}


class PrincipalSerializer(serializers.ModelSerializer[Principal]):
    # Often empty: plain strings, not "format: email/uri", so the schema is true of them.
    email = serializers.CharField(read_only=True)
    website = serializers.CharField(read_only=True)

    class Meta:
        model = Principal
        fields = [
            "id",
            "name",
            "kind",
            "legal_name",
            "address",
            "email",
            "website",
            "signatory_name",
            "signatory_title",
            "created_at",
        ]
        read_only_fields = fields


class WorkSerializer(serializers.ModelSerializer[Work]):
    class Meta:
        model = Work
        fields = [
            "id",
            "title",
            "artist",
            "principal",
            "isrc",
            "iswc",
            "release_year",
            "created_at",
        ]
        read_only_fields = fields
