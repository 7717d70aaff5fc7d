"""The template editor: edit a draft, preview it live, see the diff, submit, approve, reject."""

import difflib
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app import services
from warnings_app.domain.letters.bounds import LetterTooCostly
from warnings_app.domain.letters.compose import letter_html
from warnings_app.domain.letters.language import ALLOWED_FILTERS, ALLOWED_TAGS
from warnings_app.domain.letters.palette import palette_sections
from warnings_app.forms import PreviewForm, RejectForm, TemplateVersionForm
from warnings_app.models import TemplateVersion
from warnings_app.selectors.letters import version_before
from warnings_app.selectors.merge_data import merge_data_preview
from warnings_app.services.rendering import template_version_preview_pdf
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

# The preview runs in a sandboxed frame; this policy also stops it loading anything remote.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data:"
)


def palette_context(*, insert: bool = True) -> dict[str, Any]:
    """What the merge-field palette beside an editor shows: the catalogue the validator checks,
    and the tags and filters it allows; `insert`: whether it offers Insert buttons (the text can
    be edited)."""
    return {
        "palette": palette_sections(),
        "palette_insert": insert,
        "palette_tags": ALLOWED_TAGS,
        "palette_filters": ALLOWED_FILTERS,
    }


def _version(pk: int) -> TemplateVersion:
    return get_object_or_404(TemplateVersion.objects.select_related("template"), pk=pk)


class VersionEditView(RoleRequiredMixin, View):
    permission_required = "warnings_app.change_templateversion"
    template_name = "warnings_app/templateversion_edit.html"

    def _page(
        self,
        request: HttpRequest,
        version: TemplateVersion,
        form: TemplateVersionForm,
        status: int = 200,
    ) -> HttpResponse:
        editable = version.status == TemplateVersion.Status.DRAFT and not version.is_frozen
        return render(
            request,
            self.template_name,
            {
                "version": version,
                "form": form,
                **palette_context(insert=editable),
                "preview_form": PreviewForm(initial={"company": ""}),
                "editable": editable,
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = _version(pk)
        form = TemplateVersionForm(
            initial={"subject": version.subject, "body": version.body, "layout": version.layout}
        )
        return self._page(request, version, form)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        version = _version(pk)
        form = TemplateVersionForm(request.POST)
        if form.is_valid():
            try:
                services.template_version_update(
                    version=version, by=request.user, **form.cleaned_data
                )
            except services.TemplateInvalid as exc:
                for problem in exc.problems:
                    form.add_error("subject" if problem.startswith("Subject") else "body", problem)
            except services.ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{version} saved.")
                return redirect("version_edit", pk=version.pk)
        return self._page(request, version, form, status=400)


class VersionPreviewView(RoleRequiredMixin, View):
    """POST the editor's fields: JSON with the problems found and the letter as HTML."""

    permission_required = "warnings_app.change_templateversion"

    def post(self, request: HttpRequest, pk: int) -> JsonResponse:
        version = _version(pk)
        form = PreviewForm(request.POST)
        if not form.is_valid():
            problems = [
                f"{name}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
            ]
            return JsonResponse({"problems": problems, "html": ""})
        data = form.cleaned_data
        problems = services.template_text_problems(subject=data["subject"], body=data["body"])
        if problems or data["company"] is None:
            return JsonResponse(
                {"problems": problems or ["The register has no company yet."], "html": ""}
            )
        try:  # in this process, but bounded: iterations, characters and time (bounds.py)
            html = letter_html(
                subject=data["subject"],
                body=data["body"],
                layout=data["layout"],
                paper_size=version.template.paper_size,
                language=version.template.language,
                data=merge_data_preview(company=data["company"], template_version=version),
                for_browser=True,
            )
        except LetterTooCostly as exc:
            return JsonResponse({"problems": [str(exc)], "html": ""})
        csp = f'<meta http-equiv="Content-Security-Policy" content="{PREVIEW_CSP}">'
        return JsonResponse({"problems": [], "html": html.replace("<head>", "<head>" + csp, 1)})


class VersionPdfView(RoleRequiredMixin, View):
    """The saved version rendered to PDF for a chosen company, on demand."""

    permission_required = "warnings_app.view_templateversion"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = _version(pk)
        form = PreviewForm(
            {
                "subject": version.subject,
                "body": version.body,
                "layout": version.layout,
                "company": request.GET.get("company", ""),
            }
        )
        if not form.is_valid() or form.cleaned_data["company"] is None:
            problems = [str(e) for errs in form.errors.values() for e in errs]
            return _pdf_refused(request, version, form, problems or ["The register is empty."])
        try:
            pdf = template_version_preview_pdf(
                version=version, company=form.cleaned_data["company"]
            )
        except LetterTooCostly as exc:
            return _pdf_refused(request, version, form, [str(exc)])
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="preview-v{version.number}-unsigned.pdf"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _pdf_refused(
    request: HttpRequest, version: TemplateVersion, form: PreviewForm, problems: list[str]
) -> HttpResponse:
    """A page, not bare text: why no PDF was made, and the company box to try again."""
    return render(
        request,
        "warnings_app/templateversion_pdf_refused.html",
        {"version": version, "form": form, "problems": problems},
        status=400,
    )


class VersionDiffView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_templateversion"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = _version(pk)
        previous = version_before(version)
        lines = []
        if previous is not None:
            old = [
                f"Subject: {previous.subject}",
                f"Layout: {previous.layout}",
                "",
                *previous.body.splitlines(),
            ]
            new = [
                f"Subject: {version.subject}",
                f"Layout: {version.layout}",
                "",
                *version.body.splitlines(),
            ]
            for line in difflib.unified_diff(old, new, lineterm="", n=3):
                if line.startswith(("---", "+++")):
                    continue
                kind = {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "same")
                lines.append((kind, line))
        return render(
            request,
            "warnings_app/templateversion_diff.html",
            {"version": version, "previous": previous, "lines": lines},
        )


class _VersionActionView(RoleRequiredMixin, View):
    """POST: apply one service to the version, say how it went, back to the version list."""

    def act(self, request: AuthenticatedHttpRequest, version: TemplateVersion) -> str:
        raise NotImplementedError

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        version = _version(pk)
        try:
            messages.success(request, self.act(request, version))
        except services.ServiceError as exc:
            messages.error(request, str(exc))
        return redirect("template_detail", pk=version.template_id)


class VersionSubmitView(_VersionActionView):
    permission_required = "warnings_app.change_templateversion"

    def act(self, request: AuthenticatedHttpRequest, version: TemplateVersion) -> str:
        services.template_version_submit(version=version, by=request.user)
        return f"{version} submitted for approval by another lawyer."


class VersionApproveView(_VersionActionView):
    permission_required = "warnings_app.approve_templateversion"

    def act(self, request: AuthenticatedHttpRequest, version: TemplateVersion) -> str:
        services.template_version_approve(version=version, by=request.user)
        return f"{version} approved: new letters will use it."


class VersionRejectView(_VersionActionView):
    permission_required = "warnings_app.approve_templateversion"

    def act(self, request: AuthenticatedHttpRequest, version: TemplateVersion) -> str:
        form = RejectForm(request.POST)
        if not form.is_valid():
            raise services.ServiceError("Say what needs to change before sending it back.")
        services.template_version_reject(
            version=version, by=request.user, reason=form.cleaned_data["reason"]
        )
        return f"{version} sent back to draft."
