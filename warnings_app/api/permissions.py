"""Who may call what: the same Django permissions the pages ask for, per action."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class RolePermission(BasePermission):
    """Each view maps its actions (`list`, `retrieve`, `create`, `generate`, ...; plain API
    views use the lower-case method) to the permission the matching page requires, in
    `action_permissions`. An action missing from the map is refused: a new endpoint cannot ship
    open by accident. Roles are groups holding those permissions (see roles.py)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not handles(view, request):
            return True  # the view answers 405 Method Not Allowed (with Allow) for it
        needed = required_permission(view, request)
        return needed is not None and user.has_perm(needed)


def handles(view: Any, request: Request) -> bool:
    """Whether the view has a handler for the request's method (on a view set: an action)."""
    if hasattr(view, "action_map"):
        return getattr(view, "action", None) is not None
    return hasattr(view, (request.method or "").lower())


def required_permission(view: Any, request: Request) -> str | None:
    action = getattr(view, "action", None) or (request.method or "").lower()
    mapping: dict[str, str] = getattr(view, "action_permissions", {})
    if action == "metadata":  # OPTIONS describes an endpoint: whoever may read it may ask
        action = "list" if "list" in mapping else "get"
    return mapping.get(action)
