"""The usage report upload form, and the choice of letter to make from a usage finding."""

from typing import Any

from django import forms

from warnings_app.models import TemplateVersion


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UsageReportForm(forms.Form):
    period_start = forms.DateField(
        label="Report's period: first day",
        widget=_date_input(),
        help_text="The first day the licensee's report covers.",
    )
    period_end = forms.DateField(
        label="Report's period: last day",
        widget=_date_input(),
        help_text="The last day it covers. Rows outside the period are refused.",
    )
    file = forms.FileField(
        label="Usage report",
        help_text=(
            "CSV or XLSX, at most 10 MB and 20,000 rows; columns ISRC, ISWC, Title, Artist, "
            "Use, Period start, Period end, Count."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The last day comes before the first day.")
        return data


class FindingNoticeForm(forms.Form):
    template_version = forms.ModelChoiceField(
        queryset=TemplateVersion.objects.filter(status=TemplateVersion.Status.APPROVED)
        .select_related("template")
        .order_by("template__name", "-number"),
        label="Letter template",
        help_text="An approved template; the letter names the licence, the finding and its work.",
        empty_label="Choose a template",
    )
