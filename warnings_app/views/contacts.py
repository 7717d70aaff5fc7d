from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app import services
from warnings_app.forms import ContactForm
from warnings_app.models import Company, Contact
from warnings_app.services.companies import StaleEdit
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

TEMPLATE = "warnings_app/contact_form.html"


class ContactCreateView(RoleRequiredMixin, View):
    permission_required = "warnings_app.add_contact"

    def get(self, request: HttpRequest, company_pk: int) -> HttpResponse:
        company = get_object_or_404(Company, pk=company_pk)
        form = ContactForm(initial={"country": company.country})
        return render(request, TEMPLATE, {"form": form, "company": company})

    def post(self, request: AuthenticatedHttpRequest, company_pk: int) -> HttpResponse:
        company = get_object_or_404(Company, pk=company_pk)
        form = ContactForm(request.POST, instance=Contact(company=company))
        if not form.is_valid():
            return render(request, TEMPLATE, {"form": form, "company": company}, status=400)
        services.contact_create(company=company, by=request.user, **form.service_values())
        messages.success(request, "Contact added.")
        return redirect("company_detail", pk=company.pk)


class ContactEditView(RoleRequiredMixin, View):
    permission_required = "warnings_app.change_contact"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
        return render(
            request,
            TEMPLATE,
            {"form": ContactForm(instance=contact), "company": contact.company, "contact": contact},
        )

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
        form = ContactForm(request.POST, instance=Contact.objects.get(pk=pk))
        context = {"form": form, "company": contact.company, "contact": contact}
        if not form.is_valid():
            return render(request, TEMPLATE, context, status=400)
        try:
            services.contact_update(
                contact=contact,
                by=request.user,
                expected_version=form.expected_version(),
                **form.service_values(),
            )
        except StaleEdit as exc:
            form.refresh_version(Contact.objects.get(pk=pk).updated_at)
            form.add_error(None, str(exc))
            return render(request, TEMPLATE, context, status=409)
        messages.success(request, "Contact saved.")
        return redirect("company_detail", pk=contact.company_id)
