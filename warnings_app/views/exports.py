from django.http import HttpResponse
from django.utils import timezone
from django.views import View

from warnings_app.forms.reports import ReportFilterForm
from warnings_app.reports.exports import export_file
from warnings_app.services.audit import audit_record
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin, wants_privileged


class ExportView(RoleRequiredMixin, View):
    """GET /exports/<kind>.<fmt>?filters — notices, deliveries or replies as CSV or XLSX."""

    permission_required = "warnings_app.view_reports"

    def get(self, request: AuthenticatedHttpRequest, kind: str, fmt: str) -> HttpResponse:
        form = ReportFilterForm(request.GET)
        if not form.is_valid():
            return HttpResponse(
                f"The export was not made: {form.problems()}",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        filters = form.chosen()
        privileged = wants_privileged(request)
        content, mime = export_file(kind, fmt, form.letter_filter(), include_privileged=privileged)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        audit_record(
            actor=request.user,
            verb="export.downloaded",
            data={
                "kind": kind,
                "format": fmt,
                "filters": {k: str(v) for k, v in filters.items()},
                "include_privileged": privileged,
            },
        )
        response = HttpResponse(content, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.{fmt}"'
        return response
