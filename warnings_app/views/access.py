"""Access control for pages. LoginRequiredMiddleware already sends anonymous users to log in;
each view also names the permission its role must hold, and refuses others with 403."""

from typing import TYPE_CHECKING

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from warnings_app.domain.privileged import may_see_privileged

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """For type checking only: a request whose user is signed in. LoginRequiredMiddleware lets
    no other through to a page that is not marked @login_not_required, so the views of those
    pages take this instead of HttpRequest (as django-stubs documents), and `request.user` is a
    User there, never AnonymousUser. Nothing creates one: Django still passes its HttpRequest."""

    user: "User"


class RoleRequiredMixin(PermissionRequiredMixin):
    """Set `permission_required` on every view; signed-in users without it get 403."""

    raise_exception = True


def signed_in_user(request: HttpRequest) -> "User":
    """The signed-in user, where a view cannot take AuthenticatedHttpRequest because it
    overrides a method typed with HttpRequest (the admin's hooks, for one). Only signed-in
    users reach those, so the refusal below is never given in practice."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return user


def wants_privileged(request: HttpRequest) -> bool:
    """Whether an export or bundle should include privileged notes: only when asked for
    (include_privileged=1), and asking without warnings_app.include_privileged is refused."""
    if request.GET.get("include_privileged") != "1":
        return False
    if not may_see_privileged(request.user):
        raise PermissionDenied("Only Legal may include privileged notes.")
    return True
