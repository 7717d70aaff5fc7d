"""Access control for pages. LoginRequiredMiddleware already sends anonymous users to log in;
each view also names the permission its role must hold, and refuses others with 403."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


class RoleRequiredMixin(PermissionRequiredMixin):
    """Set `permission_required` on every view; signed-in users without it get 403."""

    raise_exception = True


def wants_privileged(request: HttpRequest) -> bool:
    """Whether an export or bundle should include privileged notes: only when asked for
    (include_privileged=1), and asking without warnings_app.include_privileged is refused."""
    if request.GET.get("include_privileged") != "1":
        return False
    if not request.user.has_perm("warnings_app.include_privileged"):
        raise PermissionDenied("Only Legal may include privileged notes.")
    return True
