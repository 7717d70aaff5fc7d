"""Usage reports under a licence: upload one (checked and imported all or nothing), see what
it showed, list a licence's findings beside the company's disclosure answers, and make a letter
from a finding."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app.domain.licences import uses_phrase
from warnings_app.domain.uploads import IMPORT_MAX_BYTES
from warnings_app.forms.usage_reports import FindingNoticeForm, UsageReportForm
from warnings_app.models import Licence, UsageFinding, UsageReport
from warnings_app.selectors.transparency import transparency_for
from warnings_app.selectors.usage_reports import finding_counts, findings_of, usage_reports_of
from warnings_app.services.errors import ServiceError
from warnings_app.services.usage_findings import usage_finding_notice
from warnings_app.services.usage_reports import usage_report_import
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin


def _licence(pk: int) -> Licence:
    return get_object_or_404(Licence.objects.select_related("company"), pk=pk)


def _licence_context(licence: Licence) -> dict[str, Any]:
    return {"licence": licence, "uses_phrase": uses_phrase(licence.uses)}


class UsageReportUploadView(RoleRequiredMixin, View):
    permission_required = "warnings_app.add_usagereport"
    template = "warnings_app/usage_report_upload.html"

    def _render(
        self, request: HttpRequest, licence: Licence, form: UsageReportForm, **extra: Any
    ) -> HttpResponse:
        context = {
            **_licence_context(licence),
            "form": form,
            "reports": usage_reports_of(licence)[:20],
            **extra,
        }
        return render(request, self.template, context, status=400 if extra else 200)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, _licence(pk), UsageReportForm())

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        licence = _licence(pk)
        form = UsageReportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, licence, form, invalid=True)
        upload = form.cleaned_data["file"]
        result = usage_report_import(
            licence=licence,
            file_bytes=upload.read(IMPORT_MAX_BYTES + 1),  # one byte over says "too big"
            filename=upload.name or "usage",
            period_start=form.cleaned_data["period_start"],
            period_end=form.cleaned_data["period_end"],
            by=request.user,
        )
        if result.usage_report is None:
            return self._render(
                request, licence, form, report=result.report, already=result.already
            )
        counts = result.report.counts
        found = sum(n for kind, n in counts.items() if kind != "rows")
        messages.success(
            request,
            f"Imported {result.report.filename}: {counts['rows']} rows, "
            f"{found} finding{'s' if found != 1 else ''}.",
        )
        return redirect("usage_report_detail", pk=result.usage_report.pk)


class UsageReportDetailView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_usagereport"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(
            UsageReport.objects.select_related("licence__company", "imported_by"), pk=pk
        )
        findings = list(findings_of(report=report))
        context = {
            **_licence_context(report.licence),
            "report": report,
            "findings": findings,
            "counts": finding_counts(f for f in findings),
        }
        return render(request, "warnings_app/usage_report_detail.html", context)


class LicenceFindingsView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_usagefinding"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        licence = _licence(pk)
        findings = list(findings_of(licence=licence))
        context = {
            **_licence_context(licence),
            "findings": findings,
            "counts": finding_counts(findings),
            "reports": usage_reports_of(licence),
            "transparency": transparency_for(licence.company_id),
        }
        return render(request, "warnings_app/usage_findings.html", context)


class UsageFindingNoticeView(RoleRequiredMixin, View):
    permission_required = ("warnings_app.add_notice", "warnings_app.add_usagefinding")
    template = "warnings_app/usage_finding_notice.html"

    def _finding(self, pk: int) -> UsageFinding:
        return get_object_or_404(
            UsageFinding.objects.select_related(
                "licence__company", "row__work", "report", "notice"
            ),
            pk=pk,
        )

    def _render(
        self, request: HttpRequest, finding: UsageFinding, form: FindingNoticeForm, status: int
    ) -> HttpResponse:
        context = {**_licence_context(finding.licence), "finding": finding, "form": form}
        return render(request, self.template, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, self._finding(pk), FindingNoticeForm(), 200)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        finding = self._finding(pk)
        form = FindingNoticeForm(request.POST)
        if not form.is_valid():
            return self._render(request, finding, form, 400)
        try:
            notice = usage_finding_notice(
                finding=finding,
                template_version=form.cleaned_data["template_version"],
                by=request.user,
            )
        except ServiceError as exc:
            form.add_error(None, f"No letter was made: {exc}.")
            return self._render(request, self._finding(pk), form, 400)
        if notice.problem:
            messages.warning(
                request,
                f"Letter {notice.reference} was prepared but could not be rendered "
                f"({notice.problem}); render it again from its page.",
            )
        else:
            messages.success(
                request,
                f"Letter {notice.reference} prepared and rendered; it now needs another "
                "person's approval before it is sent.",
            )
        return redirect("notice_detail", pk=notice.pk)
