from typing import Any

from django import forms
from django_countries.fields import CountryField

from warnings_app.forms.ids import ModelIdChoiceField
from warnings_app.models import Campaign, Company
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.selectors.letter_filters import LetterFilter


class ReportFilterForm(forms.Form):
    """The filters of the dashboard and of the exports; both read the same query string, so the
    dashboard's download links give the rows behind what it shows."""

    campaign = ModelIdChoiceField(
        queryset=Campaign.objects.order_by("name"), required=False, empty_label="All campaigns"
    )
    segment = forms.ChoiceField(
        choices=[("", "All segments"), *Company.Segment.choices], required=False
    )
    country = CountryField(blank=True, blank_label="All jurisdictions").formfield(
        required=False, label="Jurisdiction"
    )
    status = forms.ChoiceField(choices=[("", "Any"), *NoticeStatus.choices], required=False)
    since = forms.DateField(
        required=False, label="Sent from", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="Sent until", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data

    def problems(self) -> str:
        return "; ".join(str(e) for errors in self.errors.values() for e in errors)

    def chosen(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v}

    def letter_filter(self) -> LetterFilter:
        """The letters these filters choose (call after is_valid)."""
        return LetterFilter.from_chosen(self.cleaned_data)
