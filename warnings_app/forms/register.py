"""Forms of the recipient register."""

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django_countries import countries

# django-countries' stub of its fields module leaves out the form fields it defines.
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]

from warnings_app.domain.normalise import normalise_domain
from warnings_app.models import Company, Contact
from warnings_app.models.companies import COMPANY_EDITABLE_FIELDS, CONTACT_EDITABLE_FIELDS
from warnings_app.selectors.companies import (
    COMPANY_FLAGS,
    companies_likely_duplicates,
    companies_named,
)
from warnings_app.selectors.register import DEFAULT_PAGE_SIZE, PAGE_SIZES

if TYPE_CHECKING:
    from django.http import QueryDict

    # django-stubs makes ModelForm generic over the model; Django's is not subscriptable at
    # run time. Each form below names its model's instance type itself.
    _ModelForm = forms.ModelForm[Any]
else:
    _ModelForm = forms.ModelForm

MAX_TAGS = 20
MAX_ALIASES = 20
_PHONE = re.compile(r"^\+?[0-9 ().\-/]{5,40}$")


def company_lookup_field(text: str) -> Company:
    """The one company `text` (a domain or an exact legal name) names, or a ValidationError."""
    found = companies_named(text)
    if not found:
        raise forms.ValidationError(f"No company in the register matches “{text}”.")
    if len(found) > 1:
        raise forms.ValidationError(f"“{text}” matches several companies; use the domain.")
    return found[0]


REGISTER_SORT_CHOICES = [
    ("name", "Name"),
    ("-name", "Name, Z to A"),
    ("status", "Letter status, earliest stage first"),
    ("-status", "Letter status, latest stage first"),
    ("deadline", "Reply-by date, soonest first"),
    ("-deadline", "Reply-by date, latest first"),
    ("outcome", "Outcome"),
    ("-outcome", "Outcome, reversed"),
]


class CompanyFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    segment = forms.ChoiceField(
        required=False, choices=[("", "Any segment"), *Company.Segment.choices]
    )
    country = LazyTypedChoiceField(required=False, choices=[("", "Any country"), *countries])
    flag = forms.ChoiceField(
        required=False,
        choices=[("", "Any flag"), *((key, label) for key, (label, _q) in COMPANY_FLAGS.items())],
    )
    tag = forms.CharField(required=False, max_length=60)
    sort = forms.ChoiceField(required=False, choices=REGISTER_SORT_CHOICES, label="Sort by")
    per_page = forms.ChoiceField(
        required=False,
        # The default first: a filtered page without the field shows the size it has.
        choices=[
            ("", f"{DEFAULT_PAGE_SIZE} a page"),
            *((str(n), f"{n} a page") for n in PAGE_SIZES if n != DEFAULT_PAGE_SIZE),
        ],
        label="Rows",
    )


class VersionedForm(_ModelForm):
    """Carries the record's updated_at from the moment the form was opened, so a save can refuse
    to overwrite someone else's change made in between."""

    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.updated_at.isoformat()

    def expected_version(self) -> datetime | None:
        text = self.cleaned_data.get("version") or ""
        try:
            return datetime.fromisoformat(text) if text else None
        except ValueError:
            return None

    def refresh_version(self, current: datetime) -> None:
        """After a refused stale save: keep the user's input, take the record's new version."""
        # The pages call this, with the form bound to request.POST: a QueryDict.
        self.data = cast("QueryDict", self.data).copy()
        self.data[self.add_prefix("version")] = current.isoformat()


class CompanyForm(VersionedForm):
    instance: Company
    website = forms.URLField(required=False, max_length=300, assume_scheme="https")
    tags = forms.CharField(
        required=False, max_length=1300, help_text="Comma-separated, e.g. “wave-1, music-ai”."
    )
    parent_lookup = forms.CharField(
        required=False,
        max_length=253,
        label="Parent company",
        help_text="The parent's domain or exact legal name; leave empty if none.",
    )
    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label="I have checked: this is a different company",
    )

    class Meta:
        model = Company
        # The parent is chosen by domain or name (parent_lookup), not from a 5,000-entry list.
        fields = [f for f in COMPANY_EDITABLE_FIELDS if f != "parent"]
        widgets = {
            "aliases": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "aliases": "One per line.",
            "domain": "Filled in from the website if left empty.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.duplicates: list[Company] = []
        # The confirmation is offered only once likely duplicates have been shown (see clean).
        self.fields["confirm_not_duplicate"].widget = forms.HiddenInput()
        company = self.instance
        if company.pk:
            self.fields["tags"].initial = ", ".join(t.name for t in company.tags.all())
            parent = company.parent  # None without a query when there is no parent
            if parent is not None:
                self.fields["parent_lookup"].initial = parent.domain or parent.legal_name

    def clean_legal_name(self) -> str:
        name = " ".join(self.cleaned_data["legal_name"].split())
        if not name:
            raise forms.ValidationError("Enter the company's legal name.")
        return name

    def clean_aliases(self) -> str:
        lines = [" ".join(a.split()) for a in self.cleaned_data["aliases"].splitlines()]
        aliases = list(dict.fromkeys(a for a in lines if a))
        if len(aliases) > MAX_ALIASES:
            raise forms.ValidationError(f"At most {MAX_ALIASES} aliases.")
        if any(len(a) > 200 for a in aliases):
            raise forms.ValidationError("Each alias can have at most 200 characters.")
        return "\n".join(aliases)

    def clean_domain(self) -> str:
        raw = self.cleaned_data["domain"] or self.data.get(self.add_prefix("website"), "")
        try:
            domain = normalise_domain(raw)
        except ValueError as exc:
            raise forms.ValidationError(str(exc).capitalize() + ".") from exc
        taken = Company.objects.filter(domain=domain).exclude(pk=self.instance.pk).first()
        if domain and taken:
            raise forms.ValidationError(
                format_html(
                    '{} is already registered to <a href="{}">{}</a>.',
                    domain,
                    reverse("company_detail", args=[taken.pk]),
                    taken.legal_name,
                )
            )
        return domain

    def clean_tags(self) -> list[str]:
        names = [" ".join(t.split()).lower() for t in self.cleaned_data["tags"].split(",")]
        tags = list(dict.fromkeys(t for t in names if t))
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags.")
        if any(len(t) > 60 for t in tags):
            raise forms.ValidationError("Each tag can have at most 60 characters.")
        return tags

    def clean_parent_lookup(self) -> Company | None:
        text = self.cleaned_data["parent_lookup"].strip()
        if not text:
            return None
        if self.instance.parent_id and text == self.fields["parent_lookup"].initial:
            return self.instance.parent  # unchanged: no need to look it up by text again
        parent = company_lookup_field(text)
        ancestor: Company | None = parent
        seen: set[int] = set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.instance.pk and ancestor.pk == self.instance.pk:
                raise forms.ValidationError("A company cannot be its own parent or ancestor.")
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        return parent

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("hold_automation") and not (data.get("hold_reason") or "").strip():
            self.add_error("hold_reason", "Say why automation is held for this company.")
        if self.errors or data.get("confirm_not_duplicate"):
            return data
        if self.instance.pk and data["legal_name"] == self.instance.legal_name:
            return data
        self.duplicates = companies_likely_duplicates(
            legal_name=data["legal_name"],
            domain=data.get("domain", ""),
            exclude_pk=self.instance.pk,
        )
        if self.duplicates:
            self.fields["confirm_not_duplicate"].widget = forms.CheckboxInput()
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("company_detail", args=[c.pk]), c.legal_name) for c in self.duplicates),
            )
            raise forms.ValidationError(
                format_html(
                    "This looks like a company already in the register: {}. If it is a different "
                    "company, tick the box below and save again.",
                    links,
                )
            )
        return data

    def service_values(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["parent"] = self.cleaned_data["parent_lookup"]
        return data


class ContactForm(VersionedForm):
    instance: Contact

    class Meta:
        model = Contact
        fields = list(CONTACT_EDITABLE_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        if "@" in email:
            local, _, host = email.rpartition("@")
            email = f"{local}@{host.lower()}"
        return email

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError(
                "Use digits, spaces and + ( ) . - / only, e.g. +49 30 1234567."
            )
        return phone

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        address = [
            data.get(f) for f in ("address_line1", "address_line2", "city", "region", "postal_code")
        ]
        if any(address):  # a country alone is not an address; it may just say where they are
            for field in ("address_line1", "city", "country"):
                if not data.get(field):
                    self.add_error(
                        field, "A postal address needs a first line, a city and a country."
                    )
        if not data.get("email") and not data.get("address_line1"):
            raise forms.ValidationError(
                "Give an e-mail address or a postal address, or both: a contact must be reachable."
            )
        if data.get("role") == Contact.Role.COUNSEL_OF_RECORD and not (
            data.get("organisation") or data.get("name")
        ):
            self.add_error("organisation", "Name the firm or the lawyer acting as counsel.")
        return data

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
