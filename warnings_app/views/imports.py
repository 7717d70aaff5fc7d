"""The import page: upload -> preview (nothing written) -> commit (the file checked again)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from warnings_app.domain.uploads import IMPORT_MAX_BYTES
from warnings_app.forms.imports import CompanyImportForm
from warnings_app.services.imports.columns import COMPANY_COLUMNS, CONTACT_COLUMNS, template_csv
from warnings_app.services.imports.companies import companies_import
from warnings_app.services.imports.held_files import (
    import_file_held,
    import_file_hold,
    import_file_release,
)
from warnings_app.services.imports.report import Report
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

TEMPLATE = "warnings_app/company_import.html"


def _render(
    request: HttpRequest, form: CompanyImportForm, report: Report | None, status: int
) -> HttpResponse:
    context = {
        "form": form,
        "report": report,
        "company_columns": COMPANY_COLUMNS,
        "contact_columns": CONTACT_COLUMNS,
    }
    return render(request, TEMPLATE, context, status=status)


def _file_bytes(
    request: AuthenticatedHttpRequest, form: CompanyImportForm
) -> tuple[bytes, str] | None:
    """The posted file (stored for the commit step) or the one stored at preview time."""
    upload = form.cleaned_data.get("file")
    if upload is not None:
        data = upload.read(IMPORT_MAX_BYTES + 1)  # one byte over is enough to say "too big"
        name = upload.name
    else:
        held = import_file_held(user_id=request.user.pk, sha256=form.cleaned_data["upload"])
        if held is None:
            form.add_error("file", "The uploaded file has expired; choose it again.")
            return None
        data = held
        name = form.cleaned_data["filename"] or "upload"
    return data, name


class CompanyImportView(RoleRequiredMixin, View):
    permission_required = "warnings_app.add_company"

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("download") == "template":
            response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="companies-template.csv"'
            return response
        return _render(request, CompanyImportForm(), None, 200)

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = CompanyImportForm(request.POST, request.FILES)
        if not form.is_valid() or (found := _file_bytes(request, form)) is None:
            return _render(request, form, None, 400)
        data, name = found
        report = companies_import(
            file_bytes=data,
            filename=name,
            encoding=form.cleaned_data["encoding"],
            by=request.user,
            commit=False,
        )
        import_file_hold(user_id=request.user.pk, sha256=report.sha256, content=data)
        form = CompanyImportForm(
            initial={
                "upload": report.sha256,
                "filename": report.filename,
                # the choice, not what was detected: the commit detects the same again
                "encoding": form.cleaned_data["encoding"],
            }
        )
        return _render(request, form, report, 200)


class CompanyImportCommitView(RoleRequiredMixin, View):
    permission_required = "warnings_app.add_company"

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = CompanyImportForm(request.POST)
        if not form.is_valid() or not form.cleaned_data["upload"]:
            if form.is_valid():
                form.add_error(None, "Preview a file before importing it.")
            # 200, not 400: the page is shown again to start over, nothing was attempted.
            return _render(request, form, None, 200)
        found = _file_bytes(request, form)
        if found is None:
            return _render(request, form, None, 200)
        data, name = found
        report = companies_import(
            file_bytes=data,
            filename=name,
            encoding=form.cleaned_data["encoding"],
            by=request.user,
            commit=True,
        )
        if not report.committed:
            return _render(request, form, report, 400)
        import_file_release(user_id=request.user.pk, sha256=report.sha256)
        counts = report.counts
        messages.success(
            request,
            f"Imported {report.filename}: {counts['companies_create']} companies created, "
            f"{counts['companies_update']} updated; {counts['contacts_create']} contacts "
            f"created, {counts['contacts_update']} updated.",
        )
        return redirect("company_list")
