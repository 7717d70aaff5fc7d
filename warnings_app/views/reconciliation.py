"""The reconciliation page: every letter whose delivery outcome is unknown, with all its attempts
and the mail server's replies in full, and the two ways out (mark delivered with the evidence,
or send again with the same Message-ID). Everyone who sees deliveries may read it, so a
paralegal can prepare the evidence; only those who may issue letters get the buttons."""

from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from warnings_app.forms.ids import parse_id
from warnings_app.models import DeliveryAttempt, Notice
from warnings_app.selectors.work_queue import BY_KEY, section_items
from warnings_app.services.delivery.reconcile import (
    DELIVERED,
    NOTE_MAX_LENGTH,
    SEND_AGAIN,
    may_resolve,
    reconciliation_resolve,
)
from warnings_app.services.errors import ServiceError
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

PAGE_SIZE = 20
SECTION = BY_KEY["reconciliation"]


@dataclass(frozen=True)
class Letter:
    notice: Notice
    attempts: list[DeliveryAttempt]

    @property
    def message_id(self) -> str:
        """The notice's Message-ID, as its last attempt carried it (every attempt has the same)."""
        return self.attempts[-1].message_id if self.attempts else ""


class ReconciliationView(RoleRequiredMixin, View):
    """The work queue's "Needs reconciliation" letters (the same definition, so the counts
    agree), oldest first; `?notice=<id>` shows one letter, as linked from its page."""

    permission_required = "warnings_app.view_deliveryattempt"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        # A section of kind "notice" lists notices; section_items' type covers both kinds.
        listed = cast("QuerySet[Notice]", section_items(SECTION.key))
        letters = listed.prefetch_related(
            Prefetch("deliveries", queryset=DeliveryAttempt.objects.order_by("started_at", "pk"))
        )
        query = ""
        if "notice" in request.GET:
            try:
                chosen = parse_id(request.GET["notice"])
            except ValidationError as exc:
                messages.error(request, f"Showing every letter: {exc.messages[0]}")
            else:
                letters = letters.filter(pk=chosen)
                query = f"notice={chosen}"
        page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "warnings_app/reconciliation.html",
            {
                "section": SECTION,
                "page": page,
                "letters": [Letter(n, list(n.deliveries.all())) for n in page.object_list],
                "query": query,
                "can_act": may_resolve(request.user),
                "note_max_length": NOTE_MAX_LENGTH,
                "delivered": DELIVERED,
                "send_again": SEND_AGAIN,
            },
        )


class ReconcileNoticeView(RoleRequiredMixin, View):
    """One decision on one letter. Sending again needs the box ticked that says what a second
    copy means for the recipient; the service checks everything else."""

    permission_required = "warnings_app.send_notice"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        notice = get_object_or_404(Notice, pk=pk)
        action = request.POST.get("action", "")
        back = f"{reverse('reconciliation')}?notice={notice.pk}"
        if action == SEND_AGAIN and request.POST.get("confirm") != "yes":
            messages.error(
                request,
                f"Nothing was changed: tick the box to confirm {notice.reference} goes again.",
            )
            return redirect(back)
        try:
            done = reconciliation_resolve(
                notice=notice, by=request.user, action=action, note=request.POST.get("note", "")
            )
        except ServiceError as exc:
            messages.error(request, f"Nothing was changed: {exc}")
            return redirect(back)
        if action == DELIVERED:
            when = f"{done.sent_at:%d %b %Y %H:%M:%S %Z}" if done.sent_at else "its last attempt"
            messages.success(request, f"{done.reference} marked delivered: sent as of {when}.")
        else:
            messages.success(
                request, f"{done.reference} is queued to go again with the same Message-ID."
            )
        return redirect("notice_detail", pk=done.pk)
