"""Downloads for the roles that may see reports: the notices, deliveries and replies behind the
dashboard, and a campaign's outcome view."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from warnings_app.forms.outcomes import OutcomeFilterForm
from warnings_app.forms.reports import ReportFilterForm
from warnings_app.models import Campaign
from warnings_app.reports.exports import export_file
from warnings_app.reports.outcome_export import outcome_export
from warnings_app.selectors.outcomes import campaign_jurisdictions, outcome_sort
from warnings_app.services.audit import audit_record
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin, wants_privileged


def export_refused(
    request: HttpRequest, problems: list[str], *, back_url: str, back_label: str
) -> HttpResponse:
    """400 as a page: why nothing was downloaded, and the way back to the filters."""
    return render(
        request,
        "warnings_app/export_refused.html",
        {"problems": problems, "back_url": back_url, "back_label": back_label},
        status=400,
    )


class ExportView(RoleRequiredMixin, View):
    """GET /exports/<kind>.<fmt>?filters — notices, deliveries or replies as CSV or XLSX."""

    permission_required = "warnings_app.view_reports"

    def get(self, request: AuthenticatedHttpRequest, kind: str, fmt: str) -> HttpResponse:
        form = ReportFilterForm(request.GET)
        if not form.is_valid():
            return export_refused(
                request,
                [form.problems()],
                back_url=reverse("dashboard"),
                back_label="the dashboard",
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


class OutcomeExportView(RoleRequiredMixin, View):
    """GET /campaigns/<pk>/outcomes/export/?format=xlsx|csv&filters&sort — the outcome view's
    rows, all of them, with the page's filters and order; open to the roles that may export."""

    permission_required = "warnings_app.view_reports"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        fmt = request.GET.get("format", "xlsx")
        form = OutcomeFilterForm(request.GET, jurisdictions=campaign_jurisdictions(campaign))
        if fmt not in ("xlsx", "csv") or not form.is_valid():
            problems = [
                f"{form[name].label if name in form.fields else 'Filters'}: "
                + " ".join(str(e) for e in errors)
                for name, errors in form.errors.items()
            ]
            return export_refused(
                request,
                problems or ["Choose XLSX or CSV."],
                back_url=reverse("campaign_outcomes", args=[campaign.pk]),
                back_label=f"the outcomes of {campaign.name}",
            )
        sort = outcome_sort(request.GET.get("sort"))
        content, mime, count = outcome_export(campaign, form.filters(), sort, fmt)
        audit_record(
            actor=request.user,
            verb="export.downloaded",
            target=campaign,
            data={"kind": "outcomes", "format": fmt, "filters": form.query(), "rows": count},
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content, content_type=mime)
        response["Content-Disposition"] = (
            f'attachment; filename="outcomes-campaign-{campaign.pk}-{stamp}.{fmt}"'
        )
        return response
