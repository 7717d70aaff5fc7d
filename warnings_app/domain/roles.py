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
# Roles that can issue letters or hand out rights: giving one needs a second person's
# confirmation (services/accounts.py), and that person must hold one of these roles too.
POWERFUL_ROLES = (LEGAL, ADMIN)


def roles_of(user: object) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]


def needs_second_factor(user: "User | AnonymousUser") -> bool:
    """Whether the signed-in user must pass a one-time code: always for a superuser (whatever
    TWO_FACTOR_ROLES says: a superuser holds every right, so the password alone must not), and
    for anyone with one of the roles in TWO_FACTOR_ROLES. One query at most (none for a
    superuser, or when no role needs it, or when nobody is signed in)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    roles = settings.TWO_FACTOR_ROLES
    if not roles:
        return False
    return user.groups.filter(name__in=roles).exists()
