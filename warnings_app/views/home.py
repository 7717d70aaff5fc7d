from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from warnings_app.domain.roles import roles_of
from warnings_app.selectors.companies import home_figures


class HomeView(LoginRequiredMixin, TemplateView):
    """Every role lands here; it shows only counts, and links only to what the role may use."""

    template_name = "warnings_app/home.html"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        return {
            **super().get_context_data(**kwargs),
            "figures": home_figures(),
            "roles": roles_of(self.request.user),
        }
