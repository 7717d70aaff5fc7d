"""The licence pages: recording a deal from licence talks, the licence with its scope (what was
excluded and why), its flags and reminders, the signed agreement, termination, and the lawyers'
licence to-dos. Each page checks its role's permission; refusals change nothing."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from warnings_app.forms.licences import FlagResolveForm, LicenceRecordForm, LicenceTerminateForm
from warnings_app.models import Licence, LicenceFlag, LicenceMatter, LicenceReminder, LicenceUse
from warnings_app.models.licences import TALKS_STAGES
from warnings_app.selectors.licence_pages import (
    TODO_SECTIONS,
    licence_flags,
    licence_for_page,
    licence_reminders,
    licence_state,
    licence_works,
    open_flags,
    open_reminders,
)
from warnings_app.services.errors import ServiceError
from warnings_app.services.licence_flags import licence_flag_resolve
from warnings_app.services.licence_reminders import licence_reminder_done
from warnings_app.services.licences import deal_record, licence_terminate
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.files import stored_attachment

WORKS_PER_PAGE = 50
TODOS_PER_PAGE = 50


class LicenceCreateView(RoleRequiredMixin, View):
    """Legal records the deal signed in licence talks; a refused deal keeps what was typed."""

    permission_required = "warnings_app.add_licence"

    def _page(
        self,
        request: HttpRequest,
        matter: LicenceMatter,
        form: LicenceRecordForm,
        status: int = 200,
    ) -> HttpResponse:
        context = {"matter": matter, "form": form, "in_talks": matter.stage in TALKS_STAGES}
        return render(request, "warnings_app/licence_form.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        matter = get_object_or_404(LicenceMatter.objects.select_related("company"), pk=pk)
        today = timezone.localdate()
        form = LicenceRecordForm(
            company=matter.company, initial={"signed_on": today, "starts_on": today}
        )
        return self._page(request, matter, form)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        matter = get_object_or_404(LicenceMatter.objects.select_related("company"), pk=pk)
        form = LicenceRecordForm(request.POST, request.FILES, company=matter.company)
        if not form.is_valid():
            return self._page(request, matter, form, status=400)
        try:
            licence = deal_record(
                matter=matter,
                terms=form.terms(),
                by=request.user,
                renews=form.cleaned_data.get("renews"),
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
            return self._page(request, matter, form, status=400)
        included = licence.work_rows.filter(included=True).count()
        excluded = licence.work_rows.filter(included=False).count()
        messages.success(
            request,
            f"Licence {licence.reference} recorded: {included} works included, {excluded} "
            "excluded by the artists' wishes.",
        )
        return redirect("licence_detail", pk=licence.pk)


class LicenceDetailView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_licence"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        licence = get_object_or_404(licence_for_page(pk))
        today = timezone.localdate()
        included = Paginator(licence_works(licence, included=True), WORKS_PER_PAGE)
        excluded = Paginator(licence_works(licence, included=False), WORKS_PER_PAGE)
        context: dict[str, Any] = {
            "licence": licence,
            "state": licence_state(licence, today),
            "worldwide": licence.territories == ["*"],
            "uses": [label for value, label in _use_labels() if value in licence.uses],
            "group_companies": list(licence.group_companies.order_by("legal_name")),
            "principals": list(licence.principals.order_by("name")),
            "artists": list(licence.artists.order_by("name")),
            "included": included.get_page(request.GET.get("included")),
            "excluded": excluded.get_page(request.GET.get("excluded")),
            "flags": list(licence_flags(licence)),
            "reminders": list(licence_reminders(licence)),
            "renewals": list(licence.renewals.order_by("starts_on")),
            "report_count": licence.usage_reports.count(),
            "finding_count": licence.findings.count(),
        }
        return render(request, "warnings_app/licence_detail.html", context)


def _use_labels() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in LicenceUse.choices]


class LicenceAgreementView(RoleRequiredMixin, View):
    """The signed agreement, only while its bytes match the recorded SHA-256, as an attachment."""

    permission_required = "warnings_app.view_licence"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        licence = get_object_or_404(Licence, pk=pk)
        if not licence.agreement_sha256:
            raise Http404("Recorded before licences existed: there is no agreement file.")
        return stored_attachment(
            by=request.user,
            name=licence.agreement_file.name,
            sha256=licence.agreement_sha256,
            content_type=licence.agreement_content_type,
            filename=licence.agreement_filename,
            verb="licence.agreement_downloaded",
            target=licence,
            data={"reference": licence.reference},
            what=f"The stored agreement of {licence.reference}",
        )


class LicenceTerminateView(RoleRequiredMixin, View):
    permission_required = "warnings_app.change_licence"

    def _page(
        self, request: HttpRequest, licence: Licence, form: LicenceTerminateForm, status: int = 200
    ) -> HttpResponse:
        context = {"licence": licence, "form": form}
        return render(request, "warnings_app/licence_terminate.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        licence = get_object_or_404(licence_for_page(pk))
        form = LicenceTerminateForm(initial={"terminated_on": timezone.localdate()})
        return self._page(request, licence, form)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        licence = get_object_or_404(licence_for_page(pk))
        form = LicenceTerminateForm(request.POST)
        if not form.is_valid():
            return self._page(request, licence, form, status=400)
        try:
            licence_terminate(
                licence=licence,
                on=form.cleaned_data["terminated_on"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
            return self._page(request, licence, form, status=400)
        messages.success(request, f"{licence.reference} terminated.")
        return redirect("licence_detail", pk=licence.pk)


class LicenceFlagResolveView(RoleRequiredMixin, View):
    """A lawyer records what was done about an artist's reservation affecting a licence."""

    permission_required = "warnings_app.change_licenceflag"

    def _page(
        self, request: HttpRequest, flag: LicenceFlag, form: FlagResolveForm, status: int = 200
    ) -> HttpResponse:
        context = {"flag": flag, "licence": flag.licence, "form": form}
        return render(request, "warnings_app/licence_flag_resolve.html", context, status=status)

    def _flag(self, pk: int) -> LicenceFlag:
        return get_object_or_404(
            LicenceFlag.objects.select_related("licence__company", "artist", "resolved_by"), pk=pk
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._page(request, self._flag(pk), FlagResolveForm())

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        flag = self._flag(pk)
        form = FlagResolveForm(request.POST)
        if not form.is_valid():
            return self._page(request, flag, form, status=400)
        try:
            licence_flag_resolve(flag=flag, note=form.cleaned_data["note"], by=request.user)
        except ServiceError as exc:
            form.add_error(None, str(exc))
            return self._page(request, flag, form, status=400)
        messages.success(request, f"Flag on {flag.licence.reference} resolved.")
        return redirect("licence_detail", pk=flag.licence_id)


class LicenceReminderDoneView(RoleRequiredMixin, View):
    http_method_names = ["post"]
    permission_required = "warnings_app.change_licencereminder"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        reminder = get_object_or_404(LicenceReminder.objects.select_related("licence"), pk=pk)
        try:
            licence_reminder_done(reminder=reminder, by=request.user)
        except ServiceError as exc:
            messages.error(request, f"Nothing changed. {exc}")
        else:
            messages.success(request, f"Reminder on {reminder.licence.reference} marked done.")
        if request.POST.get("back") == "todos":
            return redirect(f"{reverse('licence_todos')}?section=reminders")
        return redirect("licence_detail", pk=reminder.licence_id)


class LicenceTodoView(RoleRequiredMixin, View):
    """Open flags and reminders not yet done, the rows the home page's licence figures count."""

    permission_required = "warnings_app.view_licence"

    def get(self, request: HttpRequest) -> HttpResponse:
        section = request.GET.get("section", "flags")
        if section not in TODO_SECTIONS:
            section = "flags"
        rows = {"flags": open_flags(), "reminders": open_reminders()}
        page = Paginator(rows[section], TODOS_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            "section": section,
            "title": TODO_SECTIONS[section],
            "sections": [(key, title, rows[key].count()) for key, title in TODO_SECTIONS.items()],
            "page": page,
            "query": f"section={section}",
        }
        return render(request, "warnings_app/licence_todos.html", context)
