from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from warnings_app.domain.roles import roles_of
from warnings_app.selectors.companies import home_figures
from warnings_app.selectors.home import home_todos


class HomeView(LoginRequiredMixin, TemplateView):
    """Every role lands here: a to-do list per role, each number a link to exactly the rows it
    counts; the register's size below."""

    template_name = "warnings_app/home.html"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        roles = roles_of(self.request.user)
        user = self.request.user
        may_see = user.has_perm("warnings_app.view_response")
        return {
            **super().get_context_data(**kwargs),
            "figures": home_figures(),
            "roles": roles,
            "todos": home_todos(user, roles) if may_see else [],  # type: ignore[arg-type]
        }
