"""Forms for creating a campaign and its ladder."""

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django_countries import countries

from warnings_app.domain.normalise import normalise_domain
from warnings_app.forms.ids import ModelIdChoiceField, ModelMultipleIdField
from warnings_app.models import Company, Notice, Principal, Tag, TemplateVersion

if TYPE_CHECKING:
    from django.db.models import QuerySet

CHANNELS = Notice.Channel.choices
# The fields that choose recipients; the live preview reads these alone.
RECIPIENT_FIELDS = ("segments", "countries", "tags", "domains", "companies")


def _approved_versions() -> "QuerySet[TemplateVersion]":
    return (
        TemplateVersion.objects.filter(status=TemplateVersion.Status.APPROVED)
        .select_related("template")
        .order_by("template__name")
    )


class _VersionField(ModelIdChoiceField):
    """An approved template version, listed as its template's name and its number."""

    def label_from_instance(self, obj: TemplateVersion) -> str:
        return f"{obj.template.name} v{obj.number}"


class RecipientsForm(forms.Form):
    """The fields that choose a campaign's recipients. The campaign form and the live preview
    of who it selects both read them, so both apply the same rule (`campaign_recipients`)."""

    segments = forms.MultipleChoiceField(
        choices=Company.Segment.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5, "data-filterable": "a segment"}),
    )
    countries = forms.MultipleChoiceField(
        choices=list(countries),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, "data-filterable": "a country"}),
    )
    tags = forms.CharField(required=False, max_length=500, help_text="Comma-separated; any of.")
    domains = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=100_000,
        help_text="Or list recipients by domain, one per line.",
    )
    # Companies ticked on the register ("start a campaign for these"), carried as hidden inputs.
    companies = ModelMultipleIdField(
        queryset=Company.objects.order_by("legal_name", "pk"),
        required=False,
        widget=forms.MultipleHiddenInput,
    )

    def clean_domains(self) -> list[int]:
        lines = [line.strip() for line in self.cleaned_data["domains"].splitlines() if line.strip()]
        domains, bad = [], []
        for line in lines:
            try:
                domains.append(normalise_domain(line))
            except ValueError:
                bad.append(line)
        if bad:
            raise forms.ValidationError(f"Not domains: {', '.join(bad[:10])}.")
        found = dict(Company.objects.filter(domain__in=domains).values_list("domain", "pk"))
        missing = [d for d in domains if d not in found]
        if missing:
            raise forms.ValidationError(f"Not in the register: {', '.join(missing[:10])}.")
        return [found[d] for d in domains]

    def clean_tags(self) -> list[str]:
        names = [t.strip().lower() for t in self.cleaned_data["tags"].split(",") if t.strip()]
        unknown = set(names) - set(
            Tag.objects.filter(name__in=names).values_list("name", flat=True)
        )
        if unknown:
            raise forms.ValidationError(f"Unknown tags: {', '.join(sorted(unknown))}.")
        return names

    def recipient_filter(self) -> dict[str, Any]:
        data = self.cleaned_data
        listed = list(dict.fromkeys([*data["domains"], *(c.pk for c in data["companies"])]))
        chosen = {
            "segment": data["segments"],
            "country": data["countries"],
            "tags": data["tags"],
            "company_ids": listed,
        }
        return {key: value for key, value in chosen.items() if value}


class CampaignForm(RecipientsForm):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    template_version = _VersionField(
        queryset=_approved_versions(), label="Letter (approved template version)"
    )
    principals = ModelMultipleIdField(queryset=Principal.objects.order_by("name"))
    works = ModelMultipleIdField(
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, "data-filterable": "a work"}),
        help_text="The schedule of works at issue.",
    )
    response_window_days = forms.IntegerField(
        min_value=1, max_value=120, initial=15, label="Response window (business days)"
    )
    channels = forms.MultipleChoiceField(
        choices=CHANNELS, initial=["email"], widget=forms.CheckboxSelectMultiple
    )
    signatory_name = forms.CharField(required=False, max_length=200)
    signatory_title = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from warnings_app.models import Work

        cast("ModelMultipleIdField", self.fields["works"]).queryset = Work.objects.order_by(
            "artist", "title"
        )
        cast("ModelIdChoiceField", self.fields["template_version"]).queryset = _approved_versions()

    def clean_name(self) -> str:
        from warnings_app.models import Campaign

        name = " ".join(self.cleaned_data["name"].split())
        if Campaign.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError("A campaign with this name already exists.")
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors and not any(data.get(k) for k in RECIPIENT_FIELDS):
            raise forms.ValidationError(
                "Choose recipients: by segment, country, tag or a list of domains."
            )
        return data


class LadderStepForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, help_text="e.g. Reminder")
    offset_business_days = forms.IntegerField(
        min_value=1, max_value=250, required=False, label="Business days after sending"
    )
    action = forms.ChoiceField(
        choices=[("letter", "Send a letter"), ("handoff", "Hand off to litigation counsel")]
    )
    template_version = ModelIdChoiceField(queryset=_approved_versions(), required=False)
    channels = forms.MultipleChoiceField(
        choices=CHANNELS, required=False, initial=["email"], widget=forms.CheckboxSelectMultiple
    )
    requires_approval = forms.BooleanField(
        required=False, initial=True, label="A lawyer approves each letter of this step"
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("name"):
            return data  # an empty row
        if not data.get("offset_business_days"):
            self.add_error("offset_business_days", "When is this step due?")
        if data.get("action") == "letter" and not data.get("template_version"):
            self.add_error("template_version", "Choose the letter this step sends.")
        return data

    def step(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("name"):
            return None
        return {
            key: data[key]
            for key in (
                "name",
                "offset_business_days",
                "action",
                "template_version",
                "channels",
                "requires_approval",
            )
        }


LadderFormSet = forms.formset_factory(LadderStepForm, extra=3, max_num=6)


class PauseForm(forms.Form):
    reason = forms.CharField(max_length=500)


class WithdrawForm(forms.Form):
    reason = forms.CharField(max_length=500)
