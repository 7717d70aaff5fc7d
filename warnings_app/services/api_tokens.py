"""Making and revoking API tokens (django-rest-knox's digest-only storage, our ApiToken model).
The key exists only in the return value of api_token_create: the caller shows it once. Both
changes are audited with the token's name and key prefix, never the key or its digest."""

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from warnings_app.domain.api_tokens import lifetime_problem, may_hold_api_token
from warnings_app.models import ApiToken
from warnings_app.models.tokens import NAME_MAX_LENGTH
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# How often a token's "last used" time is written: each call would be a write per API request.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiTokenRefused(ServiceError):
    """A token that may not be made (no role, inactive user, no name, bad lifetime)."""


def _audit_data(token: ApiToken, how: str) -> dict[str, str]:
    return {
        "owner": token.user.get_username(),
        "name": token.name,
        "prefix": token.prefix,
        "expires": token.expiry.isoformat() if token.expiry else "",
        "how": how,
    }


@transaction.atomic
def api_token_create(
    *, owner: "User", name: str, by: "User | None", how: str, days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for `owner`, expiring in `days` (API_TOKEN_DAYS by default); returns the row
    and the key. `by` is who made it (None: the command line); `how` says where ("api tokens
    page", "manage.py create_api_token")."""
    name = " ".join(name.split())
    if not name:
        raise ApiTokenRefused("Give the token a name, e.g. what it is for.")
    if len(name) > NAME_MAX_LENGTH:
        raise ApiTokenRefused(f"The name is too long ({NAME_MAX_LENGTH} characters at most).")
    if not may_hold_api_token(owner):
        raise ApiTokenRefused(
            f"{owner.get_username()} may not hold an API token: only an active user with a role."
        )
    days = settings.API_TOKEN_DAYS if days is None else days
    problem = lifetime_problem(days)
    if problem:
        raise ApiTokenRefused(problem)
    live = ApiToken.objects.filter(user=owner, name=name, expiry__gt=timezone.now())
    if live.exists():
        raise ApiTokenRefused(f"{owner.get_username()} already has a token named “{name}”.")
    token, key = ApiToken.objects.create(user=owner, expiry=timedelta(days=days), name=name)
    audit_record(actor=by, verb="api_token.created", target=token, data=_audit_data(token, how))
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: "User | None", how: str) -> None:
    """Delete the token (its digest goes with it: the key can never work again); audited."""
    audit_record(actor=by, verb="api_token.revoked", target=token, data=_audit_data(token, how))
    token.delete()


def api_token_used(token: ApiToken) -> None:
    """Note that the token was just used (to the minute: no write on every request)."""
    now = timezone.now()
    if token.last_used is None or now - token.last_used >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
