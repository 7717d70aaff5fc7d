"""A campaign's outcome page: every first letter with where it stands and what was answered,
sortable and filterable, with bulk actions for those allowed to take them."""

from typing import TYPE_CHECKING, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from warnings_app.forms.ids import parse_ids
from warnings_app.forms.outcomes import ACTIONS, OutcomeActionForm, OutcomeFilterForm
from warnings_app.models import Campaign, Notice, Response
from warnings_app.selectors.outcomes import (
    SORTS,
    OutcomeAnnotations,
    campaign_jurisdictions,
    campaign_outcome_rows,
    demand_answers_for,
    first_letters_chosen,
    outcome_row_ids,
    outcome_rows_among,
    outcome_sort,
)
from warnings_app.services import outcomes as outcome_services
from warnings_app.services.errors import ServiceError
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import WithAnnotations

    from warnings_app.models import DemandAnswer
    from warnings_app.selectors.outcomes import OutcomeRow

    class _ShownAnnotations(OutcomeAnnotations):
        """What the page adds to each row for its table."""

        outcome_label: str
        demand_answers: list[DemandAnswer]

    ShownRow = WithAnnotations[Notice, _ShownAnnotations]

PAGE_SIZE = 50
# Actions that send letters or cannot be undone: a page stating the count comes first.
CONFIRMED = {"chase", "withdraw"}
OUTCOME_LABELS = {"": "No reply yet", **dict(Response.Outcome.choices)}
COLUMNS = [
    ("reference", "Reference"),
    ("company", "Company"),
    ("jurisdiction", "Jurisdiction"),
    (None, "Segment"),
    ("status", "Status"),
    ("last_event", "Last event"),
    ("due_date", "Due"),
    ("outcome", "Outcome"),
    (None, "Demand answers"),
    (None, "Hold"),
    (None, "Next step"),
]


def _allowed_actions(user: "User") -> dict[str, str]:
    return {key: a.label for key, a in ACTIONS.items() if user.has_perm(a.permission)}


def _shown(notice: "OutcomeRow", answers: dict[int, list["DemandAnswer"]]) -> "ShownRow":
    """The row with its outcome's label and its demand answers, for the table."""
    shown = cast("ShownRow", notice)
    shown.outcome_label = OUTCOME_LABELS.get(notice.outcome, notice.outcome)
    shown.demand_answers = answers.get(notice.pk, [])
    return shown


def _sort_links(query: dict[str, str], sort: str) -> list[tuple[str, str, str, str]]:
    """(label, url, aria-sort, arrow) per column; a sorted column's link reverses it."""
    links = []
    for key, label in COLUMNS:
        if key is None:
            links.append((label, "", "", ""))
            continue
        current = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        target = f"-{key}" if current and not descending else key
        state = ("descending" if descending else "ascending") if current else ""
        arrow = ("▼" if descending else "▲") if current else ""
        links.append((label, "?" + urlencode({**query, "sort": target}), state, arrow))
    return links


class CampaignOutcomesView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_campaign"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        form = OutcomeFilterForm(request.GET, jurisdictions=campaign_jurisdictions(campaign))
        form.is_valid()  # invalid fields are shown as errors and left out, not ignored silently
        sort = outcome_sort(request.GET.get("sort"))
        rows = campaign_outcome_rows(campaign, form.filters(), sort)
        # The page's ids first: sorting and filtering in SQL without working out the columns
        # shown for every letter skipped; then those columns for this page's rows only.
        page = Paginator(outcome_row_ids(rows), PAGE_SIZE).get_page(request.GET.get("page"))
        ids = list(page.object_list)
        answers = demand_answers_for(ids)
        shown = [_shown(notice, answers) for notice in outcome_rows_among(rows, ids)]
        query = form.query()
        actions = _allowed_actions(request.user)
        return render(
            request,
            "warnings_app/campaign_outcomes.html",
            {
                "campaign": campaign,
                "filters": form,
                "page": page,
                "rows": shown,
                "sort": sort,
                "columns": _sort_links(query, sort),
                "query": urlencode({**query, "sort": sort}),
                "actions": actions,
                "needs_reason": [k for k in actions if ACTIONS[k].needs_reason],
            },
            status=400 if form.errors else 200,
        )


class CampaignOutcomesActionView(RoleRequiredMixin, View):
    """A bulk action on the chosen letters: all of them change, or none does. The page is open
    to anyone who may take one of the actions; each action then asks for its own permission."""

    def has_permission(self) -> bool:
        return any(self.request.user.has_perm(a.permission) for a in ACTIONS.values())

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is not None and not request.user.has_perm(action.permission):
            raise PermissionDenied(f"you may not {action.label.lower()}")
        back = _back(campaign, request.POST.get("back", ""))
        try:
            posted = parse_ids(request.POST.getlist("ids"))
        except ValidationError as exc:
            messages.error(request, f"Nothing was changed: {exc.messages[0]}")
            return redirect(back)
        notices = first_letters_chosen(campaign, posted)
        form = OutcomeActionForm(request.POST, notices=notices)
        if not form.is_valid():
            errors = " ".join(str(e) for errs in form.errors.values() for e in errs)
            messages.error(request, f"Nothing was changed: {errors}")
            return redirect(back)
        data = form.cleaned_data
        chosen = [n for n in notices if n.pk in set(data["ids"])]
        if data["action"] in CONFIRMED and request.POST.get("confirmed") != "yes":
            return render(
                request,
                "warnings_app/campaign_outcomes_confirm.html",
                {
                    "campaign": campaign,
                    "action": data["action"],
                    "label": ACTIONS[data["action"]].label,
                    "chosen": chosen,
                    "reason": data["reason"],
                    "back": request.POST.get("back", ""),
                },
            )
        try:
            done = self.act(request, data["action"], chosen, data["reason"])
        except ServiceError as exc:
            messages.error(request, f"Nothing was changed: {exc}")
            return redirect(back)
        messages.success(request, done)
        return redirect(back)

    def act(
        self, request: AuthenticatedHttpRequest, action: str, chosen: list[Notice], reason: str
    ) -> str:
        by = request.user
        if action == "chase":
            n = outcome_services.notices_chase(notices=chosen, by=by)
            return (
                f"{n} reminder letter(s) made now; each is sent or waits for approval as its "
                "ladder step says."
            )
        if action == "withdraw":
            n = outcome_services.notices_withdraw(notices=chosen, by=by, reason=reason)
            return f"{n} letter(s) withdrawn; they will not be sent."
        if action == "hold":
            n = outcome_services.notices_hold(notices=chosen, by=by, reason=reason)
            return f"{n} letter(s) put on hold: their ladder waits until the hold is released."
        n = outcome_services.notices_release(notices=chosen, by=by)
        return f"{n} letter(s) released from hold."


def _back(campaign: Campaign, posted: str) -> str:
    """The outcome page with the filters, sort and page the user came from; only known
    parameters are kept, so the redirect cannot be pointed elsewhere."""
    known = {*OutcomeFilterForm.base_fields, "sort", "page"}
    given = QueryDict(posted)
    kept = {k: given[k] for k in given if k in known and given[k]}
    if "sort" in kept and kept["sort"].removeprefix("-") not in SORTS:
        del kept["sort"]
    url = reverse("campaign_outcomes", args=[campaign.pk])
    return f"{url}?{urlencode(kept)}" if kept else url
