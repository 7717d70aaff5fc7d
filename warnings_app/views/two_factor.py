"""The second sign-in step: enrol a TOTP authenticator app once, then give a code after the
password. Enrolling starts with a one-time enrolment code an administrator issued for this
person (Accounts page): without it the page shows no secret, so whoever else knows the password
cannot bind their own phone first. The QR code is an SVG drawn on our side
(integrations/qr_codes.py), not fetched from a service; the page has no script. A user who has a
confirmed device cannot enrol another one: an administrator resets it ("Reset authenticator" on
the Accounts page) when a phone is lost, and issues a new enrolment code."""

from typing import Any
from urllib.parse import urlencode

import django_otp
from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from warnings_app.services.audit import audit_record
from warnings_app.services.enrolment_codes import enrolment_code_redeem, enrolment_code_valid_for
from warnings_app.services.two_factor import (
    totp_device_for_enrolment,
    totp_enrolment_confirm,
    totp_qr_svg,
)
from warnings_app.views.access import AuthenticatedHttpRequest


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6,8}\s*$",
        error_messages={"invalid": "Enter the 6-digit code."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label="Enrolment code from your administrator",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 22, "spellcheck": "false"}),
    )


ENROLMENT_CODE = "enrolment_code_id"  # session key: the enrolment code this session redeemed
NO_CODE = (
    "Setting up sign-in codes needs a one-time enrolment code from an administrator. "
    "Ask an administrator to issue one for you on the Accounts page."
)
BAD_CODE = (
    "That enrolment code was not accepted: it is mistyped, already used or expired. "
    "Ask an administrator for a new one."
)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else settings.LOGIN_REDIRECT_URL


def _verified(request: AuthenticatedHttpRequest, device: TOTPDevice, verb: str) -> HttpResponse:
    request.session.cycle_key()  # the session's rights grew: give it a new key
    django_otp.login(request, device)
    audit_record(actor=request.user, verb=verb, target=request.user, data={"device": device.pk})
    return redirect(_next_url(request))


class TwoFactorSetupView(View):
    """Enrol: first an enrolment code (redeemed once, remembered by this session), then the
    secret (otpauth URI and QR code) of an unconfirmed device; a correct code confirms it and
    verifies this session. Reloading shows the same secret."""

    template_name = "registration/two_factor_setup.html"
    code_template_name = "registration/two_factor_code.html"

    def _code_page(
        self, request: HttpRequest, form: EnrolmentCodeForm, status: int = 200, error: str = ""
    ) -> HttpResponse:
        context = {"form": form, "next": _next_url(request), "no_code": NO_CODE, "error": error}
        return render(request, self.code_template_name, context, status=status)

    def _has_code(self, request: AuthenticatedHttpRequest) -> bool:
        return enrolment_code_valid_for(
            user=request.user, code_id=request.session.get(ENROLMENT_CODE)
        )

    def _redeem(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = EnrolmentCodeForm(request.POST)
        row = form.is_valid() and enrolment_code_redeem(
            user=request.user, code=form.cleaned_data["enrolment_code"]
        )
        if not row:
            form.add_error(None, BAD_CODE)
            return self._code_page(request, form, status=400)
        request.session[ENROLMENT_CODE] = row.pk
        return redirect(f"{request.path}?{urlencode({'next': _next_url(request)})}")

    def _device(self, request: AuthenticatedHttpRequest) -> TOTPDevice:
        return totp_device_for_enrolment(user=request.user)

    def _page(self, request: HttpRequest, form: TokenForm, device: TOTPDevice) -> HttpResponse:
        context = {
            "form": form,
            "uri": device.config_url,
            "qr_svg": mark_safe(totp_qr_svg(device)),  # noqa: S308 — our own SVG, no input markup
            "next": _next_url(request),
        }
        return render(request, self.template_name, context)

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if user_has_device(request.user):
            return redirect("two_factor_verify")
        if not self._has_code(request):
            return self._code_page(request, EnrolmentCodeForm())
        return self._page(request, TokenForm(), self._device(request))

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if user_has_device(request.user):
            return redirect("two_factor_verify")
        if "enrolment_code" in request.POST:
            return self._redeem(request)
        if not self._has_code(request):
            return self._code_page(request, EnrolmentCodeForm(), status=403, error=NO_CODE)
        return self._confirm(request)

    @transaction.atomic
    def _confirm(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        device = self._device(request)
        form = TokenForm(request.POST)
        if form.is_valid() and totp_enrolment_confirm(
            device=device, token=form.cleaned_data["token"]
        ):
            request.session.pop(ENROLMENT_CODE, None)
            return _verified(request, device, "signin.2fa_enrolled")
        form.add_error(None, "That code did not match. Check the time on your phone and retry.")
        return self._page(request, form, device)


class TwoFactorVerifyView(View):
    """The step after the password: a code from a confirmed device verifies the session.
    Wrong codes are throttled per device by django-otp (growing delays)."""

    template_name = "registration/two_factor_verify.html"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": TokenForm(), **self._ctx(request)})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = TokenForm(request.POST)
        if form.is_valid():
            token = form.cleaned_data["token"].strip()
            for device in devices_for_user(request.user, confirmed=True):
                if isinstance(device, TOTPDevice) and device.verify_token(token):
                    return _verified(request, device, "signin.2fa_verified")
        audit_record(actor=request.user, verb="signin.2fa_failed", target=request.user)
        form.add_error(None, "That code did not match. Try the newest code from your app.")
        return render(request, self.template_name, {"form": form, **self._ctx(request)})

    def _ctx(self, request: AuthenticatedHttpRequest) -> dict[str, Any]:
        # Without a device the page points to enrolment (TwoFactorMiddleware sends people there).
        return {"next": _next_url(request), "has_device": user_has_device(request.user)}
