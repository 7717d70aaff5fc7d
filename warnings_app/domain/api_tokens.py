"""Who may hold an API token, and for how long."""

from typing import TYPE_CHECKING

from warnings_app.domain.roles import roles_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# A token outliving a year is a permanent credential in all but name.
LONGEST_DAYS = 365


def may_hold_api_token(user: "User | AnonymousUser") -> bool:
    """An active user with a role: the API answers each call by the holder's role permissions
    (api/permissions.py), so a user without a role could do nothing with a token."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or roles_of(user))


def lifetime_problem(days: int) -> str | None:
    if not 1 <= days <= LONGEST_DAYS:
        return f"A token lasts between 1 and {LONGEST_DAYS} days (asked: {days})."
    return None
