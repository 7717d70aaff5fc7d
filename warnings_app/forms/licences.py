"""Forms of licences: recording a deal, terminating it, resolving a flag. They parse and show
the terms' rule (domain/licence_terms.py) field by field; services/licences.py decides."""

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q

from warnings_app.domain.licence_terms import (
    DealTerms,
    Fee,
    dates_problem,
    fee_problems,
    territories_parsed,
    territory_problem,
)
from warnings_app.models import Artist, Company, Licence, LicenceUse, Principal, Work

_SEPARATORS = re.compile(r"[\s,;]+")


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _words(text: str) -> list[str]:
    return list(dict.fromkeys(part for part in _SEPARATORS.split(text) if part))


class LicenceRecordForm(forms.Form):
    """The terms of a signed deal, as the agreement states them."""

    uses = forms.MultipleChoiceField(
        label="Uses granted",
        choices=LicenceUse.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Grant at least one use."},
    )
    group_companies = forms.CharField(
        required=False,
        label="Group companies also covered",
        help_text="Their web domains, separated by commas, e.g. labs.example.ai. Leave empty "
        "when the licence covers the licensee only.",
    )
    scope = forms.ChoiceField(
        label="Catalogue covered", choices=Licence.Scope.choices, widget=forms.RadioSelect
    )
    principals = forms.ModelMultipleChoiceField(
        required=False,
        queryset=Principal.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        label="Principals (for “Chosen principals' catalogues”)",
    )
    works = forms.CharField(
        required=False,
        label="Works by ISRC (for “Chosen works or artists”)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="ISRCs separated by commas or new lines.",
    )
    artists = forms.CharField(
        required=False,
        label="Artists (for “Chosen works or artists”)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One artist per line, as named in the register; all their works are covered.",
    )
    territories = forms.CharField(
        initial="*",
        help_text="ISO country codes separated by commas (DE, FR, GB), or * for worldwide.",
    )
    signed_on = forms.DateField(label="Signed on", widget=_date_input())
    starts_on = forms.DateField(label="In force from", widget=_date_input())
    ends_on = forms.DateField(label="Ends on (last day)", widget=_date_input())
    fee_model = forms.ChoiceField(
        label="Fee",
        choices=[c for c in Licence.FeeModel.choices if c[0] != Licence.FeeModel.NONE],
    )
    fee_amount = forms.DecimalField(
        required=False,
        label="Amount",
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        help_text="The flat fee, the fee per work, or a revenue share's minimum (optional).",
    )
    fee_currency = forms.CharField(
        required=False, label="Currency", max_length=3, help_text="ISO 4217 code, e.g. EUR."
    )
    fee_period = forms.ChoiceField(
        required=False, label="Paid", choices=[("", "—"), *Licence.FeePeriod.choices]
    )
    revenue_share_percent = forms.DecimalField(
        required=False, label="Revenue share (%)", max_digits=5, decimal_places=2
    )
    reporting_months = forms.TypedChoiceField(
        label="Usage reports", choices=Licence.Reporting.choices, coerce=int
    )
    agreement = forms.FileField(
        label="The signed agreement",
        help_text="PDF or Word (.docx). Kept with its SHA-256.",
    )
    renews = forms.ModelChoiceField(
        required=False,
        queryset=Licence.objects.none(),
        label="Renews",
        empty_label="— a new licence —",
        help_text="When this deal renews one of the company's licences.",
    )

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        renews: Any = self.fields["renews"]
        renews.queryset = Licence.objects.filter(company=company).order_by("-starts_on")

    SECTIONS = (
        ("What is licensed", ("uses", "scope", "principals", "works", "artists")),
        ("Who is licensed", ("group_companies",)),
        ("Where and when", ("territories", "signed_on", "starts_on", "ends_on", "renews")),
        (
            "Fee and reporting",
            (
                "fee_model",
                "fee_amount",
                "fee_currency",
                "fee_period",
                "revenue_share_percent",
                "reporting_months",
            ),
        ),
        ("The signed agreement", ("agreement",)),
    )

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields in the groups the page shows them in."""
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def clean_fee_currency(self) -> str:
        return str(self.cleaned_data.get("fee_currency") or "").strip().upper()

    def clean_territories(self) -> list[str]:
        codes = territories_parsed(self.cleaned_data["territories"])
        problem = territory_problem(codes)
        if problem:
            raise forms.ValidationError(problem)
        return codes

    def clean_group_companies(self) -> list[Company]:
        domains = [d.lower() for d in _words(self.cleaned_data.get("group_companies") or "")]
        found = list(Company.objects.filter(domain__in=domains))
        missing = sorted(set(domains) - {c.domain.lower() for c in found})
        if missing:
            raise forms.ValidationError(f"No company in the register has: {', '.join(missing)}.")
        if any(c.pk == self.company.pk for c in found):
            raise forms.ValidationError("The licensee is covered already: list only others.")
        return found

    def clean_works(self) -> list[Work]:
        isrcs = [code.upper() for code in _words(self.cleaned_data.get("works") or "")]
        found = list(Work.objects.filter(isrc__in=isrcs))
        missing = sorted(set(isrcs) - {w.isrc for w in found})
        if missing:
            raise forms.ValidationError(f"No work in the catalogue has ISRC {', '.join(missing)}.")
        return found

    def clean_artists(self) -> list[Artist]:
        names = [n.strip() for n in (self.cleaned_data.get("artists") or "").splitlines()]
        names = [n for n in names if n]
        query = Q(pk__in=[])
        for name in names:
            query |= Q(name__iexact=name)
        found = list(Artist.objects.filter(query))
        missing = [n for n in names if n.lower() not in {a.name.lower() for a in found}]
        if missing:
            raise forms.ValidationError(f"Not in the register: {', '.join(missing)}.")
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if isinstance(starts_on, date) and isinstance(ends_on, date):
            problem = dates_problem(starts_on, ends_on)
            if problem:
                self.add_error("ends_on", problem)
        if data.get("fee_model"):
            for name, problem in fee_problems(self.fee()).items():
                if name not in self.errors:
                    self.add_error(name, problem)
        scope = data.get("scope")
        if scope == Licence.Scope.PRINCIPALS and not data.get("principals"):
            self.add_error("principals", "Choose the principals whose catalogues it covers.")
        if scope == Licence.Scope.CHOSEN and not (data.get("works") or data.get("artists")):
            self.add_error("works", "Name the works or artists the deal covers.")
        return data

    def fee(self) -> Fee:
        data = self.cleaned_data
        return Fee(
            model=data.get("fee_model") or "",
            amount=data.get("fee_amount"),
            currency=data.get("fee_currency") or "",
            period=data.get("fee_period") or "",
            percent=data.get("revenue_share_percent"),
        )

    def terms(self) -> DealTerms:
        data = self.cleaned_data
        upload = data["agreement"]
        upload.seek(0)
        scope = data["scope"]
        return DealTerms(
            uses=list(data["uses"]),
            scope=scope,
            territories=data["territories"],
            signed_on=data["signed_on"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            fee=self.fee(),
            reporting_months=data["reporting_months"],
            agreement=upload.read(),
            agreement_filename=upload.name or "agreement",
            group_companies=data["group_companies"],
            principals=list(data["principals"]) if scope == Licence.Scope.PRINCIPALS else [],
            works=data["works"] if scope == Licence.Scope.CHOSEN else [],
            artists=data["artists"] if scope == Licence.Scope.CHOSEN else [],
        )


class LicenceTerminateForm(forms.Form):
    terminated_on = forms.DateField(
        label="Not in force from",
        widget=_date_input(),
        help_text="The first day the licence no longer applies.",
    )
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why it ends early, e.g. the clause relied on.",
    )


class FlagResolveForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
