"""The audit log for Legal and administrators: newest first, filtered on indexed columns only,
paged by id (no COUNT over a table of millions), and exported as CSV, the export itself audited."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from warnings_app.forms.ids import IdField
from warnings_app.models import AuditEvent, Notice
from warnings_app.reports.exports import audit_csv
from warnings_app.services.audit import audit_record
from warnings_app.views.access import RoleRequiredMixin

PAGE = 50
EXPORT_CAP = 50_000


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, label="User name")
    verb = forms.CharField(required=False, label="Action starts with")
    target_type = forms.CharField(required=False, label="Object type")
    target_id = forms.CharField(required=False, label="Object id")
    reference = forms.CharField(required=False, label="Letter reference")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def events(self) -> QuerySet[AuditEvent]:
        """The chosen events; every filter runs on an indexed column."""
        chosen = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        events = AuditEvent.objects.select_related("actor")
        if "actor" in chosen:
            events = events.filter(actor__username=chosen["actor"])
        if "verb" in chosen:
            events = events.filter(verb__startswith=chosen["verb"])
        if "target_type" in chosen:
            events = events.filter(target_type=chosen["target_type"])
        if "target_id" in chosen:
            events = events.filter(target_id=chosen["target_id"])
        if "reference" in chosen:
            notice = Notice.objects.filter(reference__iexact=chosen["reference"].strip()).first()
            events = events.filter(
                target_type="warnings_app.notice", target_id=str(notice.pk) if notice else "-"
            )
        if "since" in chosen:
            events = events.filter(created_at__gte=_start_of(chosen["since"]))
        if "until" in chosen:
            events = events.filter(created_at__lt=_start_of(chosen["until"] + timedelta(days=1)))
        return events

    def chosen(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in ("", None)}


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


class AuditCursorForm(forms.Form):
    """Where a page starts: the events older than `before` or newer than `after` (event ids,
    from the page links)."""

    before = IdField(required=False)
    after = IdField(required=False)


class AuditLogView(RoleRequiredMixin, View):
    """GET /audit/?filters&before=<id>|after=<id> — one page of events, newest first."""

    permission_required = "warnings_app.view_auditevent"

    def get(self, request: HttpRequest) -> HttpResponse:
        form, cursor = AuditFilterForm(request.GET), AuditCursorForm(request.GET)
        context: dict[str, Any] = {"form": form, "events": []}
        if not cursor.is_valid():
            form.is_valid()
            form.errors.update(cursor.errors)  # the page lists form.errors; a bad link is one
            return render(request, "warnings_app/audit_log.html", context, status=400)
        if form.is_valid():
            events = form.events()
            before, after = cursor.cleaned_data["before"], cursor.cleaned_data["after"]
            if after is not None:
                page = list(events.filter(pk__gt=after).order_by("pk")[: PAGE + 1])
                newer, older = len(page) > PAGE, True
                page = page[:PAGE][::-1]
            else:
                if before is not None:
                    events = events.filter(pk__lt=before)
                page = list(events.order_by("-pk")[: PAGE + 1])
                newer, older = before is not None, len(page) > PAGE
                page = page[:PAGE]
            query = request.GET.copy()
            query.pop("before", None)
            query.pop("after", None)
            context.update(
                events=page,
                query=query.urlencode(),
                newer=page[0].pk if newer and page else None,
                older=page[-1].pk if older and page else None,
            )
        return render(request, "warnings_app/audit_log.html", context)


class AuditExportView(RoleRequiredMixin, View):
    """GET /audit/export.csv?filters — the chosen events as CSV, at most EXPORT_CAP rows."""

    permission_required = "warnings_app.view_auditevent"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = AuditFilterForm(request.GET)
        if not form.is_valid():
            return _refuse(f"The export was not made: {form.errors.as_text()}")
        events = list(form.events().order_by("pk")[: EXPORT_CAP + 1])
        if len(events) > EXPORT_CAP:
            return _refuse(
                f"The export was not made: more than {EXPORT_CAP:,} events match. "
                "Narrow the filters (a date range, an action or an object) and try again."
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


def _refuse(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
