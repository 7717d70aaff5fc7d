"""The audit log for Legal and administrators: newest first, paged by id
(selectors/audit_log.py), and exported as CSV, the export itself audited; its head anchored on
demand (services/audit_anchors.py)."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from warnings_app.forms.audit import AuditCursorForm, AuditFilterForm
from warnings_app.reports.exports import audit_csv
from warnings_app.selectors.audit_log import audit_events, audit_page, latest_anchor
from warnings_app.services.audit import audit_record
from warnings_app.services.audit_anchors import AnchorRefused, anchor_chain_head
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.exports import export_refused

EXPORT_CAP = 50_000


class AuditLogView(RoleRequiredMixin, View):
    """GET /audit/?filters&before=<id>|after=<id> — one page of events, newest first."""

    permission_required = "warnings_app.view_auditevent"

    def get(self, request: HttpRequest) -> HttpResponse:
        form, cursor = AuditFilterForm(request.GET), AuditCursorForm(request.GET)
        context: dict[str, Any] = {"form": form, "events": [], "anchor": latest_anchor()}
        if not cursor.is_valid():
            form.is_valid()
            form.errors.update(cursor.errors)  # the page lists form.errors; a bad link is one
            return render(request, "warnings_app/audit_log.html", context, status=400)
        if form.is_valid():
            page = audit_page(
                audit_events(**form.chosen_filters()),
                before=cursor.cleaned_data["before"],
                after=cursor.cleaned_data["after"],
            )
            query = request.GET.copy()
            query.pop("before", None)
            query.pop("after", None)
            context.update(
                events=page.events, query=query.urlencode(), newer=page.newer, older=page.older
            )
        return render(request, "warnings_app/audit_log.html", context)


class AuditExportView(RoleRequiredMixin, View):
    """GET /audit/export.csv?filters — the chosen events as CSV, at most EXPORT_CAP rows."""

    permission_required = "warnings_app.view_auditevent"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = AuditFilterForm(request.GET)
        if not form.is_valid():
            problems = [
                f"{form[name].label if name in form.fields else 'Filters'}: "
                + " ".join(str(e) for e in errors)
                for name, errors in form.errors.items()
            ]
            return _refuse(request, problems)
        events = list(audit_events(**form.chosen_filters()).order_by("pk")[: EXPORT_CAP + 1])
        if len(events) > EXPORT_CAP:
            return _refuse(
                request,
                [
                    f"More than {EXPORT_CAP:,} events match. Narrow the filters (a date range, "
                    "an action or an object) and try again."
                ],
            )
        content = audit_csv(events)
        audit_record(
            actor=request.user,
            verb="audit.exported",
            data={"filters": form.chosen(), "rows": len(events)},
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response


class AuditAnchorView(RoleRequiredMixin, View):
    """POST /audit/anchor — timestamp the chain's head now (Legal and Admin); the anchoring is
    an audit event of its own."""

    permission_required = "warnings_app.anchor_audit_chain"

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        try:
            done = anchor_chain_head(by=request.user)
        except AnchorRefused as exc:
            messages.error(request, str(exc))
        else:
            (messages.success if done.anchor else messages.info)(request, done.message)
        return redirect("audit_log")


def _refuse(request: HttpRequest, problems: list[str]) -> HttpResponse:
    back = reverse("audit_log") + (f"?{request.GET.urlencode()}" if request.GET else "")
    return export_refused(request, problems, back_url=back, back_label="the audit log")
