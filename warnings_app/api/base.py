"""What every API view shares."""

from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.decorators import login_not_required
from rest_framework import viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.views import APIView

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Model
    from rest_framework.request import Request


_MT = TypeVar("_MT", bound="Model")


class _OwnAuthentication:
    """The site's LoginRequiredMiddleware would redirect an API client without a session to the
    login page. API views authenticate themselves (token or session) and answer 401/403 in JSON,
    so they are exempt from the middleware; RolePermission still refuses anonymous callers.
    (DRF >= 3.15 marks its views so on Django 5.1+ too; saying it here keeps it true whatever
    the version.)"""

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        return login_not_required(super().as_view(*args, **kwargs))  # type: ignore[misc]


class ApiView(_OwnAuthentication, APIView):
    """A plain API endpoint; set `action_permissions` keyed by lower-case method."""


class ApiViewSet(_OwnAuthentication, viewsets.GenericViewSet[_MT]):
    """A resource; set `action_permissions` keyed by action (list, retrieve, create, ...)."""

    action_permissions: dict[str, str] = {}
    # Ids are bigints: anything else is no such object (404), never a database error.
    lookup_value_regex = "[0-9]{1,18}"


def caller(request: "Request") -> "User":
    """The signed-in user making the request. RolePermission refuses anonymous callers before
    any handler runs, so a handler always has one; were it not so, the answer would be 401."""
    user = request.user
    if not user.is_authenticated:
        raise NotAuthenticated
    return user
