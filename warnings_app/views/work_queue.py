"""The work queue: everything that needs a person, by kind, narrowed by mine, age, deadline,
campaign and a search; and the bulk actions on its replies."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from warnings_app.forms.ids import parse_ids
from warnings_app.forms.replies import OUTCOMES, QueueActionForm
from warnings_app.models import Campaign, Response
from warnings_app.selectors.queue_filters import (
    AGES,
    DEADLINES,
    QueueFilter,
    first_section,
    queue_counts,
    queue_rows,
)
from warnings_app.selectors.replies import replies_chosen
from warnings_app.selectors.work_queue import BY_KEY, SECTIONS
from warnings_app.services import classification
from warnings_app.services.errors import ServiceError
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

PAGE_SIZE = 50


def _errors(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


class WorkQueueView(RoleRequiredMixin, View):
    """Everything that needs a person, by kind, with counts, oldest first. Opens on the first
    section with something in it."""

    permission_required = "warnings_app.view_response"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        chosen = QueueFilter.from_query(request.GET)
        counts = queue_counts(chosen, request.user)
        section = BY_KEY[chosen.section or first_section(counts)]
        rows = queue_rows(section.key, chosen, request.user)
        paginator = Paginator(rows, PAGE_SIZE)
        paginator.count = counts[section.key]  # counted above already: no second COUNT
        page = paginator.get_page(request.GET.get("page"))
        query = chosen.query(section.key)
        return render(
            request,
            "warnings_app/work_queue.html",
            {
                "sections": [(s, counts[s.key], chosen.query(s.key)) for s in SECTIONS],
                "section": section,
                "page": page,
                "total": counts[section.key],
                "query": query,
                "chosen": chosen,
                "ages": AGES,
                "deadlines": DEADLINES,
                "campaigns": Campaign.objects.order_by("-pk").values_list("pk", "name"),
                "outcomes": OUTCOMES,
                "action_form": QueueActionForm(),
                "can_act": request.user.has_perm("warnings_app.change_response"),
            },
        )


class WorkQueueActionView(RoleRequiredMixin, View):
    """A bulk action on the chosen replies: all of them change, or none does."""

    permission_required = "warnings_app.change_response"

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        chosen = QueueFilter.from_query(request.POST)
        back = f"{reverse('work_queue')}?{chosen.query(chosen.section or 'triage')}"
        try:
            posted = parse_ids(request.POST.getlist("ids"))
        except ValidationError as exc:
            messages.error(request, f"Nothing was changed: {exc.messages[0]}")
            return redirect(back)
        replies = replies_chosen(posted)
        form = QueueActionForm(request.POST, replies=replies)
        if not form.is_valid():
            messages.error(request, f"Nothing was changed: {_errors(form)}")
            return redirect(back)
        data = form.cleaned_data
        picked = [r for r in replies if r.pk in set(data["ids"])]
        if data["action"] == "classify" and request.POST.get("confirmed") != str(len(picked)):
            return self.confirm(request, picked, data["outcome"], back)
        try:
            done = self.act(request, data, picked)
        except ServiceError as exc:
            messages.error(request, f"Nothing was changed: {exc}")
            return redirect(back)
        messages.success(request, done)
        return redirect(back)

    def confirm(
        self, request: AuthenticatedHttpRequest, picked: list[Response], outcome: str, back: str
    ) -> HttpResponse:
        """Classifying stops each notice's ladder: say how many, and ask once more. The form
        posts the same choice again with the count it was shown."""
        carried = [
            (name, value)
            for name in request.POST
            if name not in ("csrfmiddlewaretoken", "confirmed")
            for value in request.POST.getlist(name)
        ]
        return render(
            request,
            "warnings_app/work_queue_confirm.html",
            {
                "count": len(picked),
                "outcome": Response.Outcome(outcome).label,
                "carried": carried,
                "back": back,
            },
        )

    @transaction.atomic
    def act(
        self, request: AuthenticatedHttpRequest, data: dict[str, Any], chosen: list[Response]
    ) -> str:
        by, action = request.user, data["action"]
        if action == "classify":
            for reply in chosen:
                classification.response_classify(response=reply, by=by, outcome=data["outcome"])
            return f"{len(chosen)} replies classified."
        if action == "assign_me":
            classification.responses_assign(responses=chosen, to=by, by=by)
            return f"{len(chosen)} replies assigned to you."
        if action == "assign":
            classification.responses_assign(responses=chosen, to=data["assignee"], by=by)
            return f"{len(chosen)} replies assigned to {data['assignee'] or 'nobody'}."
        if action == "snooze":
            classification.responses_snooze(responses=chosen, until=data["until"], by=by)
            return f"{len(chosen)} replies snoozed until {data['until']:%d %b %Y}."
        for reply in chosen:
            classification.response_match(response=reply, notice=data["notice"], by=by)
        return f"{len(chosen)} replies matched to {data['notice'].reference}."
