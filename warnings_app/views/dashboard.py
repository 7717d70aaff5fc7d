"""The managers' dashboard: where every campaign stands, for a filter, in one page."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from warnings_app.forms.reports import ReportFilterForm
from warnings_app.reports.dashboard.figures import dashboard_figures
from warnings_app.reports.dashboard.licences import licence_section
from warnings_app.reports.dashboard.page import dashboard_page
from warnings_app.reports.dashboard.preferences import preferences_section
from warnings_app.selectors.letter_filters import LetterFilter
from warnings_app.services.figures import figures_first_build_request
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.dashboard_links import link_figures


def _export_query(request: AuthenticatedHttpRequest) -> str:
    """The download links choose what the figures show: the dashboard has no status filter, so
    a status typed into the address is not passed on to the exports either."""
    query = request.GET.copy()
    query.pop("status", None)
    return query.urlencode()


class DashboardView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_reports"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = ReportFilterForm(request.GET or None)
        form.fields.pop("status")  # the dashboard shows every status side by side
        valid = form.is_valid() if form.is_bound else True
        filters = form.letter_filter() if form.is_bound and valid else LetterFilter()
        figures = dashboard_figures(filters)
        if figures.built_at is None:  # a new installation: a worker builds them, not this request
            figures_first_build_request()
        page = dashboard_page(figures)
        link_figures(page, figures, filters)
        stale_after = timedelta(seconds=3 * settings.DASHBOARD_REFRESH_SECONDS)
        return render(
            request,
            "warnings_app/dashboard.html",
            {
                "form": form,
                "valid": valid,
                "figures": figures,
                "page": page,
                "stale": figures.built_at is not None
                and timezone.now() - figures.built_at > stale_after,
                "export_query": _export_query(request) if valid else "",
                "licences": licence_section()
                if request.user.has_perm("warnings_app.view_licence")
                else None,
                "preferences": preferences_section()
                if request.user.has_perm("warnings_app.view_artist")
                else None,
            },
            status=200 if valid else 400,
        )
