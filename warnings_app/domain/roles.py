"""The four roles are Django groups; what each may do is the set of permissions the migrations
give its group. Views ask for permissions, never for group names: the few rules that are about
roles themselves (which roles a user has, which need a second factor) are here."""

from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

LEGAL = "Legal"
PARALEGAL = "Paralegal"
MANAGER = "Manager"
ADMIN = "Admin"
ALL_ROLES = (LEGAL, PARALEGAL, MANAGER, ADMIN)


def roles_of(user: object) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]


def needs_second_factor(user: "User | AnonymousUser") -> bool:
    """Whether the signed-in user has one of the roles in TWO_FACTOR_ROLES: one query (none
    when no role needs it or nobody is signed in)."""
    roles = settings.TWO_FACTOR_ROLES
    if not roles or not getattr(user, "is_authenticated", False):
        return False
    return user.groups.filter(name__in=roles).exists()
