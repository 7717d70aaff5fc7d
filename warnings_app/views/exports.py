from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views import View
from django_countries.fields import CountryField

from warnings_app.exports import export_rows, filtered, write_csv, write_xlsx
from warnings_app.lifecycle import NoticeStatus
from warnings_app.models import Campaign, Company
from warnings_app.services.audit import audit_record
from warnings_app.views.access import RoleRequiredMixin


class ExportFilterForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.all(), required=False)
    segment = forms.ChoiceField(choices=[("", "Any"), *Company.Segment.choices], required=False)
    country = CountryField(blank=True).formfield(required=False)
    status = forms.ChoiceField(choices=[("", "Any"), *NoticeStatus.choices], required=False)
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data


class ExportView(RoleRequiredMixin, View):
    """GET /exports/<kind>.<fmt>?filters — notices, deliveries or replies as CSV or XLSX."""

    permission_required = "warnings_app.view_reports"

    def get(self, request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
        form = ExportFilterForm(request.GET)
        if not form.is_valid():
            problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
            return HttpResponse(
                f"The export was not made: {problems}",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        headers, rows = export_rows(kind, filtered(kind, filters))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        if fmt == "csv":
            content, mime = write_csv(headers, rows), "text/csv; charset=utf-8"
        else:
            content = write_xlsx(headers, rows, title=kind)
            mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        audit_record(
            actor=request.user,
            verb="export.downloaded",
            data={"kind": kind, "format": fmt, "filters": {k: str(v) for k, v in filters.items()}},
        )
        response = HttpResponse(content, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.{fmt}"'
        return response
