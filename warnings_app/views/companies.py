from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app import services
from warnings_app.forms import CompanyForm
from warnings_app.models import Company
from warnings_app.selectors.companies import company_page
from warnings_app.selectors.timeline import company_history
from warnings_app.services.companies import DuplicateDomain, StaleEdit
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

FORM_TEMPLATE = "warnings_app/company_form.html"


class CompanyDetailView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_company"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        get_object_or_404(Company.objects.only("pk"), pk=pk)
        return render(
            request,
            "warnings_app/company_detail.html",
            {"view": company_page(company_id=pk), "history": company_history(pk)},
        )


class CompanyCreateView(RoleRequiredMixin, View):
    permission_required = "warnings_app.add_company"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, FORM_TEMPLATE, {"form": CompanyForm()})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = CompanyForm(request.POST)
        if form.is_valid():
            try:
                company = services.company_create(
                    by=request.user, tags=form.cleaned_data["tags"], **form.service_values()
                )
            except DuplicateDomain as exc:
                form.add_error("domain", str(exc))
            else:
                messages.success(request, f"{company.legal_name} was added to the register.")
                return redirect("company_detail", pk=company.pk)
        return render(request, FORM_TEMPLATE, {"form": form}, status=400)


class CompanyEditView(RoleRequiredMixin, View):
    permission_required = "warnings_app.change_company"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        company = get_object_or_404(Company, pk=pk)
        return render(
            request, FORM_TEMPLATE, {"form": CompanyForm(instance=company), "company": company}
        )

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        company = get_object_or_404(Company, pk=pk)
        form = CompanyForm(request.POST, instance=Company.objects.get(pk=pk))
        status = 400
        if form.is_valid():
            try:
                services.company_update(
                    company=company,
                    by=request.user,
                    tags=form.cleaned_data["tags"],
                    expected_version=form.expected_version(),
                    **form.service_values(),
                )
            except StaleEdit as exc:
                form.refresh_version(Company.objects.get(pk=pk).updated_at)
                form.add_error(None, str(exc))
                status = 409
            except DuplicateDomain as exc:
                form.add_error("domain", str(exc))
            else:
                messages.success(request, "Changes saved.")
                return redirect("company_detail", pk=company.pk)
        return render(request, FORM_TEMPLATE, {"form": form, "company": company}, status=status)
