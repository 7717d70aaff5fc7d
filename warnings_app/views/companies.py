from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app import services
from warnings_app.forms import CompanyFilterForm, CompanyForm
from warnings_app.models import Company
from warnings_app.selectors import companies_matching, company_page
from warnings_app.views.access import RoleRequiredMixin

PAGE_SIZE = 50


class CompanyListView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_company"

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = CompanyFilterForm(request.GET)
        criteria = filters.cleaned_data if filters.is_valid() else {}
        companies = companies_matching(**{k: v for k, v in criteria.items() if v})
        page = Paginator(companies, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "warnings_app/company_list.html",
            {
                "filters": filters,
                "page": page,
                "query": query.urlencode(),
            },
        )


class CompanyDetailView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_company"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        get_object_or_404(Company.objects.only("pk"), pk=pk)
        return render(
            request, "warnings_app/company_detail.html", {"view": company_page(company_id=pk)}
        )


class CompanyCreateView(RoleRequiredMixin, View):
    permission_required = "warnings_app.add_company"
    template_name = "warnings_app/company_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": CompanyForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CompanyForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        company = services.company_create(
            by=request.user, tags=form.cleaned_data["tags"], **form.service_values()
        )
        messages.success(request, f"{company.legal_name} was added to the register.")
        return redirect("company_detail", pk=company.pk)


class CompanyEditView(RoleRequiredMixin, View):
    permission_required = "warnings_app.change_company"
    template_name = "warnings_app/company_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        company = get_object_or_404(Company, pk=pk)
        return render(
            request, self.template_name, {"form": CompanyForm(instance=company), "company": company}
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        company = get_object_or_404(Company, pk=pk)
        form = CompanyForm(request.POST, instance=Company.objects.get(pk=pk))
        if not form.is_valid():
            return render(
                request, self.template_name, {"form": form, "company": company}, status=400
            )
        services.company_update(
            company=company,
            by=request.user,
            tags=form.cleaned_data["tags"],
            **form.service_values(),
        )
        messages.success(request, "Changes saved.")
        return redirect("company_detail", pk=company.pk)
