"""The register as a matter view, and its bulk actions: start a campaign for the chosen
companies (the campaign form, prefilled) and put them on hold (after a confirmation)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from warnings_app.forms import CompanyFilterForm
from warnings_app.forms.holds import HoldForm
from warnings_app.forms.ids import parse_ids
from warnings_app.models import Company
from warnings_app.selectors.register import (
    register_page_size,
    register_rows,
    register_sort,
    with_labels,
)
from warnings_app.services.company_holds import companies_hold
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

COLUMNS = [
    ("name", "Company"),
    ("status", "Letter status"),
    ("outcome", "Reply and outcome"),
    ("deadline", "Next deadline"),
]


def _sort_links(query: "dict[str, str]", current: str) -> list[dict[str, str]]:
    """Each sortable column's header: its link (ascending, or descending when it is the current
    ascending sort) and the aria-sort value."""
    links = []
    for key, label in COLUMNS:
        target = f"-{key}" if current == key else key
        aria = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
        links.append(
            {
                "key": key,
                "label": label,
                "href": "?" + urlencode({**query, "sort": target}),
                "aria": aria,
            }
        )
    return links


class CompanyListView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_company"

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = CompanyFilterForm(request.GET)
        filters.is_valid()  # invalid fields are shown as errors and left out, not ignored silently
        data = dict(filters.cleaned_data)
        sort = register_sort(data.pop("sort", ""))
        per_page = register_page_size(data.pop("per_page", None))
        criteria = {k: v for k, v in data.items() if v}
        rows = register_rows(ordering=sort, **criteria)
        page = Paginator(rows, per_page).get_page(request.GET.get("page"))
        with_labels(page)
        kept = {k: str(v) for k, v in request.GET.items() if k not in ("page", "sort") and v}
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "columns": _sort_links(kept, sort),
        }
        return render(
            request,
            "warnings_app/company_list.html",
            context,
            status=400 if filters.errors else 200,
        )


def chosen_companies(values: list[str]) -> list[Company]:
    """The companies a bulk action's ticked boxes name (a ValidationError for a bad id)."""
    ids = parse_ids(values)
    return list(Company.objects.filter(pk__in=ids).order_by("legal_name", "pk"))


class CompanyHoldView(RoleRequiredMixin, View):
    """GET: the confirmation, stating how many companies go on hold. POST: hold them."""

    permission_required = "warnings_app.change_company"
    template_name = "warnings_app/company_hold.html"

    def _companies(self, values: list[str]) -> list[Company]:
        """The ticked companies; a ValidationError for a bad id or none ticked."""
        companies = chosen_companies(values)
        if not companies:
            raise ValidationError("tick the companies to hold on the register first.")
        return companies

    def _refused(self, request: HttpRequest, exc: ValidationError) -> HttpResponse:
        context = {"companies": [], "refused": f"Nothing was held: {exc.messages[0]}"}
        return render(request, self.template_name, context, status=400)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.GET.getlist("company"):
            return render(request, self.template_name, {"companies": []})
        try:
            companies = self._companies(request.GET.getlist("company"))
        except ValidationError as exc:
            return self._refused(request, exc)
        return render(request, self.template_name, {"companies": companies, "form": HoldForm()})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        try:
            companies = self._companies(request.POST.getlist("company"))
        except ValidationError as exc:
            return self._refused(request, exc)
        form = HoldForm(request.POST)
        if not form.is_valid():
            return render(
                request, self.template_name, {"companies": companies, "form": form}, status=400
            )
        held = companies_hold(
            companies=companies, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            f"{held} compan{'y' if held == 1 else 'ies'} put on hold: no letter or reminder goes "
            "to them until the hold is lifted.",
        )
        return redirect("company_list")
