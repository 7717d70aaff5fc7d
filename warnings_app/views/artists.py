"""The preference register's pages: every artist's AI-training preference today, one artist's
full history, recording a new statement from the artist's instruction, and the instruction file.
Nothing here changes a statement: a change is a new statement (preference_record)."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from warnings_app.domain import uploads
from warnings_app.forms.artist_links import PreferenceLinkForm
from warnings_app.forms.preferences import ArtistFilterForm, PreferenceStatementForm
from warnings_app.models import Artist, PreferenceStatement
from warnings_app.selectors.artists import (
    artist_counts_today,
    artist_page,
    artist_rows,
    artist_works,
    artists_with_today,
    statements_scheduled,
)
from warnings_app.selectors.preference_register import LABELS, register_as_of
from warnings_app.services.preferences import PreferenceInvalid, preference_record
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.files import stored_attachment

PAGE_SIZE = 50
RECORD_TEMPLATE = "warnings_app/preference_record.html"


class ArtistListView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_artist"

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = ArtistFilterForm(request.GET)
        filters.is_valid()  # invalid fields are shown as errors and left out
        counts = artist_counts_today()
        artists = artists_with_today(
            text=filters.cleaned_data.get("q") or "",
            preference=filters.cleaned_data.get("preference") or "",
        )
        page = Paginator(artists, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = artist_rows(list(page))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "counts": [(key, LABELS[key], n) for key, n in counts.items()],
            "total": sum(counts.values()),
        }
        status = 400 if filters.errors else 200
        return render(request, "warnings_app/artist_list.html", context, status=status)


class ArtistDetailView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_artist"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        artist = get_object_or_404(Artist, pk=pk)
        page = artist_page(artist=artist)
        context = {
            "artist": artist,
            "today": page.today,
            "state": page.state,
            "in_force": page.in_force,
            "scheduled": page.scheduled,
            "history": page.history,
            "works": page.works,
            "links": page.links,
        }
        if request.user.has_perm("warnings_app.add_preferencelink"):
            context["link_form"] = PreferenceLinkForm(artist=artist)
        return render(request, "warnings_app/artist_detail.html", context)


class PreferenceRecordView(RoleRequiredMixin, View):
    """Legal records a statement from the artist's instruction. Refusals change nothing."""

    permission_required = "warnings_app.add_preferencestatement"

    def _form(self, artist: Artist, *args: Any) -> PreferenceStatementForm:
        state = register_as_of(timezone.localdate(), artist_ids=[artist.pk]).get(artist.pk)
        works = artist_works(artist)
        form = PreferenceStatementForm(*args, works=works, exceptions=state.works if state else {})
        if state:
            form.fields["licensing_contact"].initial = state.licensing_contact
        form.state = state
        return form

    def _page(
        self,
        request: HttpRequest,
        artist: Artist,
        form: PreferenceStatementForm,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "artist": artist,
            "form": form,
            "state": form.state,
            "scheduled": statements_scheduled(artist),
        }
        return render(request, RECORD_TEMPLATE, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        artist = get_object_or_404(Artist, pk=pk)
        return self._page(request, artist, self._form(artist))

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        artist = get_object_or_404(Artist, pk=pk)
        form = self._form(artist, request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, artist, form, status=400)
        data = form.cleaned_data
        try:
            statement = preference_record(
                artist=artist,
                preference=data["preference"],
                effective_from=data["effective_from"],
                instruction=form.instruction_given(),
                licensing_contact=data["licensing_contact"],
                work_choices=form.work_choices(),
                note=data["note"],
                by=request.user,
            )
        except uploads.UploadRefused as exc:
            form.add_error("instruction", str(exc))
            return self._page(request, artist, form, status=400)
        except PreferenceInvalid as exc:
            form.add_error(None, str(exc))
            return self._page(request, artist, form, status=400)
        messages.success(
            request,
            f"Recorded: {statement.get_preference_display()} from "
            f"{statement.effective_from:%-d %B %Y}. Record SHA-256 {statement.record_sha256}.",
        )
        return redirect("artist_detail", pk=artist.pk)


class InstructionFileView(RoleRequiredMixin, View):
    """The artist's instruction as it was received, only while its bytes match the recorded
    SHA-256, always as an attachment with its original name (never shown in the page)."""

    permission_required = "warnings_app.view_preferencestatement"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        statement = get_object_or_404(PreferenceStatement.objects.select_related("artist"), pk=pk)
        return stored_attachment(
            by=request.user,
            name=statement.instruction_file.name,
            sha256=statement.instruction_sha256,
            content_type=statement.instruction_content_type,
            filename=statement.instruction_filename,
            verb="preference.instruction_downloaded",
            target=statement,
            data={"artist": statement.artist_id},
            what=f"The stored instruction of statement #{statement.pk}",
        )
