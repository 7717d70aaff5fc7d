from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from warnings_app.selectors.search import search
from warnings_app.views.access import RoleRequiredMixin


class SearchView(RoleRequiredMixin, View):
    """Type a reference or a company name and land on it; anything else lists what matched."""

    permission_required = "warnings_app.view_notice"

    def get(self, request: HttpRequest) -> HttpResponse:
        results = search(request.GET.get("q", ""))
        if results.exact and request.GET.get("list") != "1":
            return redirect(results.exact)
        return render(request, "warnings_app/search.html", {"results": results})
