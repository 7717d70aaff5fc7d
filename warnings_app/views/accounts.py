"""The Accounts pages: administrators see every account with its roles and sign-in state,
create accounts, give and take roles, deactivate, reset an authenticator and issue enrolment
codes; Legal and Admin confirm each other's requests for the powerful roles. The rules (nobody
changes their own rights; a second person for Legal and Admin) are in services/accounts.py."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views import View

from warnings_app.forms.accounts import AccountCreateForm, RoleForm
from warnings_app.models import RoleGrant
from warnings_app.selectors.accounts import (
    accounts_overview,
    role_grants_decided,
    role_grants_pending,
)
from warnings_app.services.accounts import (
    authenticator_reset,
    role_grant_cancel,
    role_grant_confirm,
    role_remove,
    role_request,
    user_create,
    user_deactivate,
)
from warnings_app.services.enrolment_codes import enrolment_code_issue
from warnings_app.services.errors import ServiceError
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin


class AccountListView(RoleRequiredMixin, View):
    permission_required = "auth.view_user"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        context = {
            "rows": accounts_overview(),
            "pending": role_grants_pending(),
            "role_form": RoleForm(),
        }
        return render(request, "warnings_app/account_list.html", context)


class AccountCreateView(RoleRequiredMixin, View):
    permission_required = "auth.add_user"
    template_name = "warnings_app/account_form.html"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": AccountCreateForm()})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = AccountCreateForm(request.POST)
        if form.is_valid():
            try:
                user = user_create(**form.cleaned_data, by=request.user)
            except ServiceError as exc:
                form.add_error("username", str(exc))
            else:
                messages.success(request, f"Account {user.username} created. Give it a role.")
                return redirect("account_list")
        return render(request, self.template_name, {"form": form}, status=400)


class AccountRoleView(RoleRequiredMixin, View):
    """Give or take one role. Giving Legal or Admin makes a request a second person confirms."""

    permission_required = "warnings_app.add_rolegrant"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        subject = get_object_or_404(get_user_model(), pk=pk)
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing changed: choose a role and whether to give it.")
            return redirect("account_list")
        role, action = form.cleaned_data["role"], form.cleaned_data["action"]
        try:
            if action == "remove":
                role_remove(subject=subject, role=role, by=request.user)
                messages.success(request, f"{subject} no longer has the role {role}.")
            elif role_request(subject=subject, role=role, by=request.user) is not None:
                messages.success(
                    request,
                    f"{role} for {subject} is requested. It takes effect when another person "
                    "with the Legal or Admin role confirms it under Role requests.",
                )
            else:
                messages.success(request, f"{subject} now has the role {role}.")
        except ServiceError as exc:
            messages.error(request, f"Nothing changed. {exc}")
        return redirect("account_list")


class AccountDeactivateView(RoleRequiredMixin, View):
    permission_required = "auth.change_user"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        subject = get_object_or_404(get_user_model(), pk=pk)
        try:
            user_deactivate(subject=subject, by=request.user)
        except ServiceError as exc:
            messages.error(request, f"Nothing changed. {exc}")
        else:
            messages.success(request, f"{subject} is deactivated and can no longer sign in.")
        return redirect("account_list")


class AccountAuthenticatorResetView(RoleRequiredMixin, View):
    permission_required = "auth.change_user"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        subject = get_object_or_404(get_user_model(), pk=pk)
        try:
            removed = authenticator_reset(subject=subject, by=request.user)
        except ServiceError as exc:
            messages.error(request, f"Nothing changed. {exc}")
        else:
            messages.success(
                request,
                f"{removed} authenticator(s) of {subject} removed. Issue an enrolment code so "
                "they can set up a new one.",
            )
        return redirect("account_list")


class AccountEnrolmentCodeView(RoleRequiredMixin, View):
    """Issue a one-time enrolment code and show it, once: it is stored only as a hash, and the
    page is not cached."""

    permission_required = "warnings_app.add_enrolmentcode"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        subject = get_object_or_404(get_user_model(), pk=pk)
        try:
            row, code = enrolment_code_issue(subject=subject, by=request.user)
        except ServiceError as exc:
            messages.error(request, f"No code was issued. {exc}")
            return redirect("account_list")
        context = {"subject": subject, "code": code, "expires_at": row.expires_at}
        response = render(request, "warnings_app/enrolment_code_issued.html", context)
        add_never_cache_headers(response)
        return response


class RoleGrantListView(RoleRequiredMixin, View):
    permission_required = "warnings_app.confirm_rolegrant"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        context = {"pending": role_grants_pending(), "decided": role_grants_decided()}
        return render(request, "warnings_app/rolegrant_list.html", context)


class RoleGrantConfirmView(RoleRequiredMixin, View):
    permission_required = "warnings_app.confirm_rolegrant"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        grant = get_object_or_404(RoleGrant.objects.select_related("subject"), pk=pk)
        try:
            role_grant_confirm(grant=grant, by=request.user)
        except ServiceError as exc:
            messages.error(request, f"Not confirmed. {exc}")
        else:
            messages.success(request, f"{grant.subject} now has the role {grant.role}.")
        return redirect("rolegrant_list")


class RoleGrantCancelView(RoleRequiredMixin, View):
    permission_required = "warnings_app.confirm_rolegrant"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        grant = get_object_or_404(RoleGrant.objects.select_related("subject"), pk=pk)
        try:
            role_grant_cancel(grant=grant, by=request.user)
        except ServiceError as exc:
            messages.error(request, f"Nothing changed. {exc}")
        else:
            messages.success(
                request, f"The request for {grant.role} for {grant.subject} is cancelled."
            )
        return redirect("rolegrant_list")
