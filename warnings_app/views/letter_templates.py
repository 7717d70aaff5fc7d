"""Template list, creation and detail; opening a new draft version."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app import services
from warnings_app.forms import LetterTemplateForm
from warnings_app.models import LetterTemplate
from warnings_app.selectors.letters import template_versions, templates_listed
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.template_versions import palette_context


class TemplateListView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_lettertemplate"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, "warnings_app/lettertemplate_list.html", {"templates": templates_listed()}
        )


class TemplateCreateView(RoleRequiredMixin, View):
    permission_required = "warnings_app.add_lettertemplate"
    template_name = "warnings_app/lettertemplate_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, self.template_name, {"form": LetterTemplateForm(), **palette_context()}
        )

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = LetterTemplateForm(request.POST)
        if form.is_valid():
            try:
                version = services.letter_template_create(
                    by=request.user,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    layout=form.cleaned_data["layout"],
                    **form.template_fields(),
                )
            except services.TemplateInvalid as exc:
                for problem in exc.problems:
                    form.add_error("subject" if problem.startswith("Subject") else "body", problem)
            else:
                messages.success(
                    request, "Template created as a draft. Submit it for approval when it is ready."
                )
                return redirect("version_edit", pk=version.pk)
        return render(request, self.template_name, {"form": form, **palette_context()}, status=400)


class TemplateDetailView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_lettertemplate"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = get_object_or_404(LetterTemplate, pk=pk)
        return render(
            request,
            "warnings_app/lettertemplate_detail.html",
            {"template": template, "versions": template_versions(template)},
        )


class VersionDraftView(RoleRequiredMixin, View):
    """POST: open a new draft version (or the one already open) and go to the editor."""

    permission_required = "warnings_app.change_templateversion"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        template = get_object_or_404(LetterTemplate, pk=pk)
        version = services.template_version_draft(template=template, by=request.user)
        return redirect("version_edit", pk=version.pk)
