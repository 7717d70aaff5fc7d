"""Licence talks: the list, one matter's page, and the actions on it (open, move, next step,
note, document, decline). Each action's form has a page of its own, where a refusal is shown
with what was typed; the matter page carries the same forms."""

from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from warnings_app.domain.privileged import may_see_privileged
from warnings_app.forms.licence_matters import (
    DeclineForm,
    DocumentForm,
    MatterFilterForm,
    NextStepForm,
    NoteForm,
    OpenForm,
)
from warnings_app.models import Company, LicenceMatter, MatterDocument, Response
from warnings_app.models.licences import DEAL_STAGES, TALKS_STAGES
from warnings_app.selectors.licence_matters import SECTIONS, matter_page, matters_listed
from warnings_app.services import licence_matters as talks
from warnings_app.services.errors import ServiceError
from warnings_app.services.followups import ladder_stop_reason
from warnings_app.services.licence_moves import matter_move
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.files import stored_attachment

PAGE_SIZE = 50
VIEW = "warnings_app.view_licencematter"
CHANGE = "warnings_app.change_licencematter"
FORM_TEMPLATE = "warnings_app/licence_matter_form.html"

_F = TypeVar("_F", bound=forms.Form)


class MatterListView(RoleRequiredMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = MatterFilterForm(request.GET)
        filters.is_valid()  # a filter that cannot be read is shown as an error and left out
        data = filters.cleaned_data
        section = data.get("section") or "all"
        owner = data.get("owner")
        today = timezone.localdate()
        criteria: dict[str, Any] = {"stage": data.get("stage") or ""}
        criteria["owner"] = owner.pk if owner else None
        rows = matters_listed(today=today, section=section, **criteria)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "section": section,
            "section_title": SECTIONS[section],
            "count": page.paginator.count,
            "today": today,
        }
        status = 400 if filters.errors else 200
        return render(request, "warnings_app/licence_matter_list.html", context, status=status)


def _ladder_now(page: Any) -> str:
    """What the warning ladder does now, in words, for the talks' letter."""
    matter = page.matter
    if matter.notice is None:
        text = "These talks were opened from the company, not from a reply to a letter."
        if matter.stage in TALKS_STAGES:
            return f"{text} While they are under way, no reminder goes to the company."
        if matter.ladder_restarted_at:
            return f"{text} A lawyer restarted the company's reminders when they were declined."
        return f"{text} They no longer hold back the company's reminders."
    reason = ladder_stop_reason(matter.notice)
    waiting = len(page.scheduled)
    if reason:
        text = f"The reminders for {matter.notice.reference} are stopped: {reason}."
        if waiting:
            text += f" {waiting} reminder(s) are scheduled but will not go while this lasts."
        if page.restartable and matter.stage in TALKS_STAGES:
            text += (
                f" If the talks are declined, a lawyer may restart the {len(page.restartable)} "
                "stopped reminder(s)."
            )
        return text
    if waiting:
        first = min(f.due_at for f in page.scheduled)
        return (
            f"The reminders for {matter.notice.reference} go on: the next is due "
            f"{timezone.localtime(first):%d %b %Y}."
        )
    return f"No reminder is scheduled for {matter.notice.reference}."


def _detail(request: AuthenticatedHttpRequest, matter_id: int) -> HttpResponse:
    privileged = may_see_privileged(request.user)
    try:
        page = matter_page(matter_id=matter_id, privileged=privileged)
    except LicenceMatter.DoesNotExist as exc:
        raise Http404("No such licence talks.") from exc
    matter = page.matter
    context = {
        "page": page,
        "matter": matter,
        "privileged": privileged,
        "talks_stages": TALKS_STAGES,
        "deal_stages": DEAL_STAGES,
        "ladder_now": _ladder_now(page),
        "next_step_form": NextStepForm(
            initial={
                "owner": matter.owner_id,
                "next_step": matter.next_step,
                "next_step_on": matter.next_step_on,
            }
        ),
        "note_form": NoteForm(),
        "document_form": DocumentForm(),
        "decline_form": DeclineForm(initial={"restart_ladder": "no"}),
    }
    return render(request, "warnings_app/licence_matter_detail.html", context)


class MatterDetailView(RoleRequiredMixin, View):
    permission_required = VIEW

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        return _detail(request, pk)


class MatterOpenFromReplyView(RoleRequiredMixin, View):
    """The reply page's "Open licence talks" button."""

    permission_required = "warnings_app.add_licencematter"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        reply = get_object_or_404(Response.objects.select_related("notice", "company"), pk=pk)
        try:
            matter = talks.matter_open(reply=reply, by=request.user)
        except ServiceError as exc:
            messages.error(request, f"No talks were opened: {exc}.")
            return redirect("reply_detail", pk=reply.pk)
        messages.success(request, f"Licence talks opened with {matter.company}.")
        return redirect("licence_matter_detail", pk=matter.pk)


class MatterMoveView(RoleRequiredMixin, View):
    """A stage button on the matter page (declining has its own form)."""

    permission_required = CHANGE

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        matter = get_object_or_404(LicenceMatter, pk=pk)
        to_stage = request.POST.get("to_stage", "")
        if not to_stage or to_stage == "declined":
            messages.error(request, "Nothing was changed: choose a stage (decline with its form).")
            return redirect("licence_matter_detail", pk=pk)
        try:
            matter_move(
                matter=matter,
                to_stage=to_stage,
                by=request.user,
                reason=request.POST.get("reason", "")[:500],
            )
        except ServiceError as exc:
            messages.error(request, f"Nothing was changed: {exc}.")
        else:
            messages.success(request, "The talks moved on.")
        return redirect("licence_matter_detail", pk=pk)


class _MatterFormView(RoleRequiredMixin, View, Generic[_F]):
    """GET: the form alone. POST: act; a refusal shows the form again with what was typed."""

    form_class: type[_F]
    title = ""
    button = ""

    def target(self, pk: int) -> Any:
        return get_object_or_404(LicenceMatter.objects.select_related("company"), pk=pk)

    def initial(self, target: Any) -> dict[str, Any]:
        return {}

    def act(self, request: AuthenticatedHttpRequest, target: Any, form: _F) -> LicenceMatter:
        raise NotImplementedError

    def done(self, target: Any) -> str:
        return "Saved."

    def page(self, request: HttpRequest, target: Any, form: _F, status: int = 200) -> HttpResponse:
        context = {"form": form, "target": target, "title": self.title, "button": self.button}
        return render(request, FORM_TEMPLATE, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = self.target(pk)
        return self.page(request, target, self.form_class(initial=self.initial(target)))

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        target = self.target(pk)
        form = self.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                matter = self.act(request, target, form)
            except ServiceError as exc:
                form.add_error(None, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            else:
                messages.success(request, self.done(target))
                return redirect("licence_matter_detail", pk=matter.pk)
        return self.page(request, target, form, status=400)


class MatterOpenFromCompanyView(_MatterFormView[OpenForm]):
    """A lawyer opens talks with a company (no reply asked for them)."""

    permission_required = CHANGE
    form_class = OpenForm
    title = "Open licence talks"
    button = "Open the talks"

    def target(self, pk: int) -> Company:
        return get_object_or_404(Company, pk=pk)

    def act(self, request: AuthenticatedHttpRequest, target: Any, form: OpenForm) -> LicenceMatter:
        data = form.cleaned_data
        return talks.matter_open(
            company=target,
            by=request.user,
            owner=data["owner"],
            next_step=data["next_step"],
            next_step_on=data["next_step_on"],
        )

    def done(self, target: Any) -> str:
        return f"Licence talks opened with {target}."


class MatterNextStepView(_MatterFormView[NextStepForm]):
    permission_required = CHANGE
    form_class = NextStepForm
    title = "Owner and next step"
    button = "Save"

    def initial(self, target: Any) -> dict[str, Any]:
        return {
            "owner": target.owner_id,
            "next_step": target.next_step,
            "next_step_on": target.next_step_on,
        }

    def act(
        self, request: AuthenticatedHttpRequest, target: Any, form: NextStepForm
    ) -> LicenceMatter:
        data = form.cleaned_data
        return talks.matter_update_next_step(
            matter=target,
            by=request.user,
            owner=data["owner"],
            next_step=data["next_step"],
            next_step_on=data["next_step_on"],
        )


class MatterNoteView(_MatterFormView[NoteForm]):
    permission_required = "warnings_app.add_matternote"
    form_class = NoteForm
    title = "Add a privileged note"
    button = "Add the note"

    def act(self, request: AuthenticatedHttpRequest, target: Any, form: NoteForm) -> LicenceMatter:
        note = talks.matter_note_add(matter=target, by=request.user, text=form.cleaned_data["text"])
        return note.matter

    def done(self, target: Any) -> str:
        return "Note added."


class MatterDocumentView(_MatterFormView[DocumentForm]):
    permission_required = "warnings_app.add_matterdocument"
    form_class = DocumentForm
    title = "Add a document"
    button = "Add the document"

    def act(
        self, request: AuthenticatedHttpRequest, target: Any, form: DocumentForm
    ) -> LicenceMatter:
        name, content = form.file_content()
        document = talks.matter_document_add(
            matter=target,
            by=request.user,
            description=form.cleaned_data["description"],
            name=name,
            content=content,
        )
        return document.matter

    def done(self, target: Any) -> str:
        return "Document added."


class MatterDeclineView(_MatterFormView[DeclineForm]):
    permission_required = CHANGE
    form_class = DeclineForm
    title = "Decline the talks"
    button = "Decline the talks"

    def initial(self, target: Any) -> dict[str, Any]:
        return {"restart_ladder": "no"}

    def act(
        self, request: AuthenticatedHttpRequest, target: Any, form: DeclineForm
    ) -> LicenceMatter:
        restart = bool(form.cleaned_data["restart_ladder"])
        return talks.matter_decline(
            matter=target,
            by=request.user,
            reason=form.cleaned_data["reason"],
            restart_ladder=restart,
        )

    def done(self, target: Any) -> str:
        return "The talks are declined."


class MatterDocumentFileView(RoleRequiredMixin, View):
    """A document of the talks, as an attachment, verified against its SHA-256. Audited."""

    permission_required = "warnings_app.view_matterdocument"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        document = get_object_or_404(MatterDocument.objects.select_related("matter"), pk=pk)
        return stored_attachment(
            by=request.user,
            name=document.file.name,
            sha256=document.sha256,
            content_type=document.content_type,
            filename=document.original_filename,
            verb="licence_matter.document_downloaded",
            target=document.matter,
            data={"document": document.pk, "filename": document.original_filename},
            what=f"The stored document “{document.original_filename}”",
        )
