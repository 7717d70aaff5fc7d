"""The paralegal work queue and the page of one reply."""

from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View

from warnings_app.domain.reply_html import sanitise_html
from warnings_app.forms.ids import parse_ids
from warnings_app.forms.replies import (
    OUTCOMES,
    ClassifyForm,
    LogReplyForm,
    MatchForm,
    QueueActionForm,
)
from warnings_app.models import Company, Notice, Response
from warnings_app.selectors.replies import counsel_of_record, replies_chosen, reply_page
from warnings_app.selectors.work_queue import BY_KEY, SECTIONS, section_counts, section_items
from warnings_app.services import classification, replies
from warnings_app.services.errors import ServiceError
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

PAGE_SIZE = 50


_F = TypeVar("_F", bound=forms.Form)


def _errors(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


class WorkQueueView(RoleRequiredMixin, View):
    """Everything that needs a person, by kind, with counts, oldest first."""

    permission_required = "warnings_app.view_response"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        key = request.GET.get("section", "triage")
        section = BY_KEY.get(key) or BY_KEY["triage"]
        counts = section_counts()
        page = Paginator(section_items(section.key), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "warnings_app/work_queue.html",
            {
                "sections": [(s, counts[s.key]) for s in SECTIONS],
                "section": section,
                "page": page,
                "query": f"section={section.key}",
                "outcomes": OUTCOMES,
                "action_form": QueueActionForm(),
                "can_act": request.user.has_perm("warnings_app.change_response"),
            },
        )


class WorkQueueActionView(RoleRequiredMixin, View):
    """A bulk action on the chosen replies: all of them change, or none does."""

    permission_required = "warnings_app.change_response"

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        section = request.POST.get("section", "triage")
        back = f"{reverse('work_queue')}?section={section if section in BY_KEY else 'triage'}"
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
        chosen = [r for r in replies if r.pk in set(data["ids"])]
        try:
            done = self.act(request, data, chosen)
        except ServiceError as exc:
            messages.error(request, f"Nothing was changed: {exc}")
            return redirect(back)
        messages.success(request, done)
        return redirect(back)

    @transaction.atomic
    def act(
        self, request: AuthenticatedHttpRequest, data: dict[str, Any], chosen: list[Response]
    ) -> str:
        by, action = request.user, data["action"]
        if action == "classify":
            for reply in chosen:
                classification.response_classify(response=reply, by=by, outcome=data["outcome"])
            return f"{len(chosen)} replies classified."
        if action == "assign":
            classification.responses_assign(responses=chosen, to=data["assignee"], by=by)
            return f"{len(chosen)} replies assigned to {data['assignee'] or 'nobody'}."
        if action == "snooze":
            classification.responses_snooze(responses=chosen, until=data["until"], by=by)
            return f"{len(chosen)} replies snoozed until {data['until']:%d %b %Y}."
        for reply in chosen:
            classification.response_match(response=reply, notice=data["notice"], by=by)
        return f"{len(chosen)} replies matched to {data['notice'].reference}."


class ReplyDetailView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_response"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        try:
            page = reply_page(reply_id=pk)
        except Response.DoesNotExist as exc:
            raise Http404("No such reply.") from exc
        reply, answers = page.reply, page.answers
        initial = {"outcome": reply.outcome if reply.outcome != "unclassified" else ""}
        for demand, answer in answers.items():
            initial[f"demand_{demand}"] = answer.answer
            initial[f"demand_{demand}_note"] = answer.note
        return render(
            request,
            "warnings_app/reply_detail.html",
            {
                "reply": reply,
                # Sanitised at ingestion, and again here: stored HTML is never trusted as is.
                "body_html": mark_safe(sanitise_html(reply.body_html)),  # noqa: S308
                "attachments": page.attachments,
                "answers": answers,
                "match_form": MatchForm(),
                "classify_form": ClassifyForm(initial=initial),
                "can_act": request.user.has_perm("warnings_app.change_response"),
                "events": page.events,
            },
        )


class _ReplyAction(RoleRequiredMixin, View, Generic[_F]):
    permission_required = "warnings_app.change_response"
    form_class: type[_F]

    def act(self, request: AuthenticatedHttpRequest, reply: Response, form: _F) -> str:
        raise NotImplementedError

    def form_data(self, request: AuthenticatedHttpRequest) -> Any:
        return request.POST

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        reply = get_object_or_404(Response, pk=pk)
        form = self.form_class(self.form_data(request))
        if not form.is_valid():
            messages.error(request, f"Nothing was changed: {_errors(form)}")
        else:
            try:
                messages.success(request, self.act(request, reply, form))
            except ServiceError as exc:
                messages.error(request, f"Nothing was changed: {exc}")
        if request.GET.get("next") == "queue":  # acted on from the work queue: back there
            return redirect(f"{reverse('work_queue')}?section=triage")
        return redirect("reply_detail", pk=reply.pk)


class ReplyMatchView(_ReplyAction[MatchForm]):
    form_class = MatchForm

    def form_data(self, request: AuthenticatedHttpRequest) -> Any:
        """The queue's one-click "Confirm" sends the suggested reference as `confirm` (the
        queue's bulk form has a `reference` field of its own)."""
        if request.POST.get("confirm"):
            return {"reference": request.POST["confirm"]}
        return request.POST

    def act(self, request: AuthenticatedHttpRequest, reply: Response, form: MatchForm) -> str:
        notice = form.cleaned_data["reference"]
        waited = reply.trust == Response.Trust.UNCONFIRMED
        classification.response_match(response=reply, notice=notice, by=request.user)
        if waited:
            return f"Confirmed as the answer to {notice.reference}; its reminders stop."
        return f"Matched to {notice.reference}."


class ReplyClassifyView(_ReplyAction[ClassifyForm]):
    form_class = ClassifyForm

    def act(self, request: AuthenticatedHttpRequest, reply: Response, form: ClassifyForm) -> str:
        classification.response_classify(
            response=reply,
            by=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            demands=form.demands(),
        )
        return "Classified; the notice's ladder is stopped."


class LogReplyView(RoleRequiredMixin, View):
    """Log a letter, a call or a portal submission against a notice or a company."""

    permission_required = "warnings_app.add_response"

    def _target(self, kind: str, pk: int) -> tuple[Notice | None, Company]:
        if kind == "notice":
            notice = get_object_or_404(Notice.objects.select_related("company"), pk=pk)
            return notice, notice.company
        return None, get_object_or_404(Company, pk=pk)

    def _page(
        self,
        request: HttpRequest,
        form: LogReplyForm,
        notice: Notice | None,
        company: Company,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            "warnings_app/reply_log.html",
            {
                "form": form,
                "notice": notice,
                "company": company,
                "counsel": counsel_of_record(company),
            },
            status=status,
        )

    def get(self, request: HttpRequest, kind: str, pk: int) -> HttpResponse:
        notice, company = self._target(kind, pk)
        now = timezone.localtime().replace(second=0, microsecond=0)
        return self._page(request, LogReplyForm(initial={"received_at": now}), notice, company)

    def post(self, request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
        notice, company = self._target(kind, pk)
        form = LogReplyForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, notice, company, status=400)
        data = form.cleaned_data
        try:
            reply = replies.reply_log(
                by=request.user,
                channel=data["channel"],
                received_at=data["received_at"],
                notice=notice,
                company=company,
                sender=data["sender"],
                subject=data["subject"],
                body_text=data["body_text"],
                files=form.files_content(),
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
            return self._page(request, form, notice, company, status=400)
        messages.success(request, "Reply logged.")
        return redirect("reply_detail", pk=reply.pk)
