"""The second sign-in step: enrol a TOTP authenticator app once, then give a code after the
password. The QR code is an SVG drawn on our side (integrations/qr_codes.py), not fetched from a
service; the page has no script. A user who has a confirmed device cannot enrol another one with
the password alone: an administrator removes the old device (admin, "TOTP devices") when a
phone is lost."""

from typing import Any

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
    """Enrol: show the secret (otpauth URI and QR code) of an unconfirmed device; a correct code
    confirms it and verifies this session. Reloading shows the same secret."""

    template_name = "registration/two_factor_setup.html"

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
        return self._page(request, TokenForm(), self._device(request))

    @transaction.atomic
    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if user_has_device(request.user):
            return redirect("two_factor_verify")
        device = self._device(request)
        form = TokenForm(request.POST)
        if form.is_valid() and totp_enrolment_confirm(
            device=device, token=form.cleaned_data["token"]
        ):
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
