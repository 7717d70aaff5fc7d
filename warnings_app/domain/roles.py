"""The four roles are Django groups; what each may do is the set of permissions the migrations
give its group. Views ask for permissions, never for group names."""

LEGAL = "Legal"
PARALEGAL = "Paralegal"
MANAGER = "Manager"
ADMIN = "Admin"
ALL_ROLES = (LEGAL, PARALEGAL, MANAGER, ADMIN)


def roles_of(user: object) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
