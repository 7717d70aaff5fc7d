"""API token authentication: django-rest-knox's TokenAuthentication (the key is checked against
its stored SHA-512 digest), with three changes of ours:

- an expired token is refused but kept, so its owner still sees it (as expired) on the "API
  tokens" page; knox would delete it, and its owner's other expired tokens, silently;
- a token's use is noted (last used, to the minute);
- the token is named in every audit event the request records (services/audit.py explains why a
  request-scoped context variable; TokenAttributionMiddleware opens and closes that scope).

Tokens are never extended by use (REST_KNOX AUTO_REFRESH is off). Clients send
`Authorization: Token <key>`, the scheme DRF's plain-text tokens used before."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from warnings_app.services.api_tokens import api_token_used
from warnings_app.services.audit import act_through, begin_request_scope, end_request_scope

if TYPE_CHECKING:
    from warnings_app.models import ApiToken


class ApiTokenAuthentication(TokenAuthentication):  # type: ignore[misc]  # knox has no types
    def authenticate_credentials(self, token: bytes) -> tuple[Any, "ApiToken"]:
        """Keys are ASCII (hex): anything else is refused (401) here, where knox would fail to
        decode it (500)."""
        if not token.isascii():
            raise AuthenticationFailed("Invalid token.")
        user, auth_token = super().authenticate_credentials(token)
        return user, auth_token

    def _cleanup_token(self, auth_token: "ApiToken") -> bool:
        """Whether to skip this token: it has expired. Nothing is deleted here."""
        return auth_token.expiry is not None and auth_token.expiry <= timezone.now()

    def validate_user(self, auth_token: "ApiToken") -> tuple[Any, "ApiToken"]:
        user, token = super().validate_user(auth_token)  # refuses an inactive user
        api_token_used(token)
        act_through(str(token))
        return user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """How the OpenAPI schema describes the token (drf-spectacular's knox extension matches only
    knox's own class): the `tokenAuth` scheme DRF's tokens had, `Authorization: Token <key>`."""

    target_class = "warnings_app.api.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        definition: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix=self.target.authenticate_header(None),  # "Token", knox AUTH_HEADER_PREFIX
        )
        return definition


class TokenAttributionMiddleware:
    """Opens a fresh attribution scope for each request and closes it after the response, so
    the token one request authenticated with never names the events of the next request that
    the same thread serves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = begin_request_scope()
        try:
            return self.get_response(request)
        finally:
            end_request_scope(scope)
