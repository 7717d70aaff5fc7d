"""Who may see privileged content: Legal's internal notes (a company's notes, a reply's
classification note, demand notes) are attorney work product. One rule, asked by every place
that could show them (the API, exports, evidence bundles), so they cannot drift apart."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Granted to the Legal group by migration 0015; no other role holds it.
PRIVILEGED_PERMISSION = "warnings_app.include_privileged"


def may_see_privileged(user: "User | AnonymousUser") -> bool:
    """Whether `user` may read privileged notes. Anonymous users never may; Django caches a
    user's permissions, so asking once per row of a list costs one query in all."""
    return user.is_authenticated and user.has_perm(PRIVILEGED_PERMISSION)
