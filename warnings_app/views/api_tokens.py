"""The "API tokens" page: a user's own tokens (name, key prefix, made, expires, last used), a
form to make one and a button to revoke each. A new key is shown once, on the page that answers
the form, and never again: only its digest is stored. Making a token needs a verified second
factor when the user's role needs one (TWO_FACTOR_ROLES): a token is used without a code, so
it must be born of a session that gave one. Revoking never does."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views import View

from warnings_app.domain.api_tokens import may_hold_api_token
from warnings_app.domain.roles import needs_second_factor
from warnings_app.models import ApiToken
from warnings_app.models.tokens import NAME_MAX_LENGTH
from warnings_app.services.api_tokens import ApiTokenRefused, api_token_create, api_token_revoke
from warnings_app.views.access import AuthenticatedHttpRequest

HOW = "api tokens page"
NEEDS_CODE = (
    "Your role needs a second factor: sign in with a one-time code from your authenticator app "
    "before making an API token."
)


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=NAME_MAX_LENGTH,
        help_text="What the token is for, e.g. “CRM sync”.",
    )


class _OwnTokens(View):
    """Any active user with a role may hold tokens (the API answers by role permissions); the
    rest get 403. Each user reaches only their own tokens."""

    def dispatch(self, request: HttpRequest, *args: Any, **kw: Any) -> HttpResponseBase:
        if not may_hold_api_token(request.user):
            raise PermissionDenied("Only an active user with a role may hold API tokens.")
        return super().dispatch(request, *args, **kw)


def _page(request: AuthenticatedHttpRequest, form: NewTokenForm, status: int = 200) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request.user)
    context = {"tokens": tokens, "form": form, "now": timezone.now()}
    return render(request, "warnings_app/api_tokens.html", context, status=status)


class ApiTokenListView(_OwnTokens):
    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return _page(request, NewTokenForm())

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = NewTokenForm(request.POST)
        # django_otp's OTPMiddleware gives request.user its is_verified(); the stubs cannot know.
        if needs_second_factor(request.user) and not request.user.is_verified():  # type: ignore[attr-defined]
            form.add_error(None, NEEDS_CODE)
            return _page(request, form, status=403)
        if not form.is_valid():
            return _page(request, form, status=400)
        try:
            token, key = api_token_create(
                owner=request.user, name=form.cleaned_data["name"], by=request.user, how=HOW
            )
        except ApiTokenRefused as refused:
            form.add_error("name", str(refused))
            return _page(request, form, status=400)
        response = render(
            request, "warnings_app/api_token_created.html", {"token": token, "key": key}
        )
        add_never_cache_headers(response)  # the key must not stay in any cache
        return response


class ApiTokenRevokeView(_OwnTokens):
    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        # Another user's token is "not found": its existence is none of the caller's business.
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        api_token_revoke(token=token, by=request.user, how=HOW)
        messages.success(request, f"Revoked {token}: it no longer works.")
        return redirect("api_tokens")
