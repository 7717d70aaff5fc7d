"""Access control for pages. LoginRequiredMiddleware already sends anonymous users to log in;
each view also names the permission its role must hold, and refuses others with 403."""

from django.contrib.auth.mixins import PermissionRequiredMixin


class RoleRequiredMixin(PermissionRequiredMixin):
    """Set `permission_required` on every view; signed-in users without it get 403."""

    raise_exception = True
