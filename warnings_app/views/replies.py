"""The paralegal work queue and the page of one reply."""

from typing import Any, Generic, TypeVar
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View

from warnings_app.domain.reply_html import sanitise_html
from warnings_app.forms.replies import (
    ClassifyForm,
    LogReplyForm,
    MatchForm,
)
from warnings_app.models import Company, Notice, Response
from warnings_app.selectors.queue_filters import QueueFilter, next_reply
from warnings_app.selectors.replies import counsel_of_record, reply_page
from warnings_app.selectors.work_queue import BY_KEY
from warnings_app.services import classification, replies
from warnings_app.services.errors import ServiceError
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

PAGE_SIZE = 50


_F = TypeVar("_F", bound=forms.Form)


def _errors(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


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
                # Opened from the queue: where "save and next" goes on to.
                "queue": _queue_context(request.GET.get("queue", "")),
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
        done = False
        if not form.is_valid():
            messages.error(request, f"Nothing was changed: {_errors(form)}")
        else:
            try:
                messages.success(request, self.act(request, reply, form))
                done = True
            except ServiceError as exc:
                messages.error(request, f"Nothing was changed: {exc}")
        if request.GET.get("next") == "queue":  # acted on from the work queue: back there
            return redirect(f"{reverse('work_queue')}?section=triage")
        queue = _queue_context(request.POST.get("queue", ""))
        if not queue:
            return redirect("reply_detail", pk=reply.pk)
        if not done or request.POST.get("then") != "next":
            return redirect(f"{reverse('reply_detail', args=[reply.pk])}?queue={quote(queue)}")
        chosen = QueueFilter.from_query(QueryDict(queue))
        following = next_reply(chosen.section, chosen, request.user, after=reply.pk)
        if following is None:
            messages.info(request, "That was the last one in this part of the queue.")
            return redirect(f"{reverse('work_queue')}?{queue}")
        return redirect(f"{reverse('reply_detail', args=[following.pk])}?queue={quote(queue)}")


def _queue_context(raw: str) -> str:
    """The queue section and filters a reply was opened from, rebuilt from what is known (a
    reply section only), or "" when it came from anywhere else."""
    chosen = QueueFilter.from_query(QueryDict(raw[:1000]))
    if not chosen.section or BY_KEY[chosen.section].kind != "reply":
        return ""
    return chosen.query(chosen.section)


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
