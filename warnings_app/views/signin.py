"""Sign-in rules around Django's auth: the client address, the session's absolute lifetime, the
second factor for some roles, and an audit event for every sign-in step. Passwords and one-time
codes are never recorded."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import user_has_device

from warnings_app.domain.roles import needs_second_factor
from warnings_app.services.audit import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SIGNED_IN_AT = "signed_in_at"  # session key: epoch seconds of the sign-in
SEEN_AT = "seen_at"  # session key: epoch seconds of the latest idle-deadline refresh
# Where a user who still owes the second factor may go.
TWO_FACTOR_OPEN = {"two_factor_setup", "two_factor_verify", "logout", "login"}


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or with SIGNIN_TRUSTED_PROXIES=N the address the outermost of N proxies
    appended to X-Forwarded-For (the entries left of it are the client's to invent)."""
    proxies: int = settings.SIGNIN_TRUSTED_PROXIES
    if proxies:
        forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote or None


class SessionLifetimeMiddleware:
    """Signs out a session older than SESSION_ABSOLUTE_LIFETIME_SECONDS; the login page then
    asks for the password again. Idle expiry is the session's own age (SESSION_COOKIE_AGE),
    restarted here when the session is saved: touching it at most every SESSION_REFRESH_SECONDS
    keeps an active user signed in without writing the session on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            started = request.session.get(SIGNED_IN_AT)
            if started is None:  # a session from before this rule: its clock starts now
                request.session[SIGNED_IN_AT] = now
            elif now - started > settings.SESSION_ABSOLUTE_LIFETIME_SECONDS:
                request.signin_expired = True  # type: ignore[attr-defined]
                logout(request)
                return self.get_response(request)
            if now - request.session.get(SEEN_AT, 0) >= settings.SESSION_REFRESH_SECONDS:
                request.session[SEEN_AT] = now  # modified: saved with a new expiry and cookie
        return self.get_response(request)


class TwoFactorMiddleware:
    """A signed-in user whose role needs a second factor and whose session has not passed it
    reaches only the enrolment and verification pages, logout and static files. Pages redirect
    there; API calls riding the session get 403 JSON. Token-authenticated API calls are left to
    DRF: a token is an integration credential, made only from a session that passed the second
    factor (views/api_tokens.py) or by an operator on the command line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, *args: Any) -> HttpResponse | None:
        user = request.user
        # django_otp's OTPMiddleware gives request.user its is_verified(); the stubs cannot know.
        if not needs_second_factor(user) or user.is_verified():  # type: ignore[union-attr]
            return None
        match = request.resolver_match
        if match is not None and match.url_name in TWO_FACTOR_OPEN and not match.namespace:
            return None
        if request.path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
            return None
        if match is not None and match.namespace == "api" and match.url_name != "docs":
            if request.META.get("HTTP_AUTHORIZATION", "").startswith("Token "):
                return None
            return JsonResponse(
                {"detail": "Verify your sign-in with a one-time code first."}, status=403
            )
        name = "two_factor_verify" if user_has_device(user) else "two_factor_setup"
        return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="signin_logged_in")
def record_login(sender: Any, request: HttpRequest | None, user: "User", **_kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = timezone.now().timestamp()
    audit_record(actor=user, verb="signin.login", target=user, data={"ip": _ip(request)})


@receiver(user_logged_out, dispatch_uid="signin_logged_out")
def record_logout(
    sender: Any, request: HttpRequest | None, user: "User | None", **_kwargs: Any
) -> None:
    if user is None:  # Django sends None when nobody was signed in
        return
    expired = getattr(request, "signin_expired", False)
    verb = "signin.session_expired" if expired else "signin.logout"
    audit_record(actor=user, verb=verb, target=user, data={"ip": _ip(request)})


@receiver(user_login_failed, dispatch_uid="signin_login_failed")
def record_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")[:150]  # only the name: never the password
    audit_record(actor=None, verb="signin.failed", data={"username": username, "ip": _ip(request)})


@receiver(user_locked_out, dispatch_uid="signin_locked_out")
def record_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **_kw: Any
) -> None:
    audit_record(
        actor=None,
        verb="signin.locked_out",
        data={"username": str(username or "")[:150], "ip": ip_address},
    )
