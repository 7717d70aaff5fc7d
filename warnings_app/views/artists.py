"""The preference register's pages: every artist's AI-training preference today, one artist's
full history, recording a new statement from the artist's instruction, and the instruction file.
Nothing here changes a statement: a change is a new statement (preference_record)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from warnings_app.domain import uploads
from warnings_app.forms.artist_links import PreferenceLinkForm
from warnings_app.forms.preferences import ArtistFilterForm, PreferenceStatementForm
from warnings_app.models import Artist, PreferenceLink, PreferenceStatement, Work
from warnings_app.selectors.preference_register import (
    LABELS,
    NOT_RECORDED,
    register_as_of,
    works_as_of,
)
from warnings_app.services.preferences import PreferenceInvalid, preference_record
from warnings_app.services.stored_files import StoredFileAltered, stored_file_download
from warnings_app.views.access import RoleRequiredMixin
from warnings_app.views.files import attachment_response

PAGE_SIZE = 50
RECORD_TEMPLATE = "warnings_app/preference_record.html"


def _in_force_today() -> Subquery:
    """The preference of the latest statement in effect today, in the register's order."""
    in_force = PreferenceStatement.objects.filter(
        artist=OuterRef("pk"), effective_from__lte=timezone.localdate()
    ).order_by("-effective_from", "-created_at", "-pk")
    return Subquery(in_force.values("preference")[:1])


def _artists_with_today() -> QuerySet[Artist]:
    """Artists annotated with today's preference, their number of works, their last recorded
    statement, their newest link and how long their open link runs, each a subquery, so a page
    costs the same number of queries however many artists it shows."""
    statements = PreferenceStatement.objects.filter(artist=OuterRef("pk"))
    links = PreferenceLink.objects.filter(artist=OuterRef("pk")).order_by("-created_at", "-pk")
    open_links = links.filter(
        used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    works = (
        Work.objects.filter(artist_profile=OuterRef("pk"))
        .order_by()
        .values("artist_profile")
        .annotate(n=Count("pk"))
    )
    return Artist.objects.annotate(
        current=_in_force_today(),
        last_statement_id=Subquery(statements.order_by("-created_at", "-pk").values("pk")[:1]),
        last_link_id=Subquery(links.values("pk")[:1]),
        open_until=Subquery(open_links.order_by("-expires_at").values("expires_at")[:1]),
        work_count=Coalesce(Subquery(works.values("n")), 0),
    )


def _counts_today() -> dict[str, int]:
    """Artists per preference today, NOT_RECORDED included, in one query."""
    counts = dict.fromkeys(LABELS, 0)
    rows = Artist.objects.annotate(current=_in_force_today()).values("current")
    for row in rows.annotate(n=Count("pk")).order_by():
        counts[row["current"] or NOT_RECORDED] += row["n"]
    return counts


class ArtistListView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_artist"

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = ArtistFilterForm(request.GET)
        filters.is_valid()  # invalid fields are shown as errors and left out
        counts = _counts_today()
        artists = _artists_with_today()
        if text := filters.cleaned_data.get("q"):
            artists = artists.filter(Q(name__icontains=text) | Q(email__icontains=text))
        chosen = filters.cleaned_data.get("preference")
        if chosen == NOT_RECORDED:
            artists = artists.filter(current__isnull=True)
        elif chosen:
            artists = artists.filter(current=chosen)
        page = Paginator(artists.order_by("name", "pk"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        _attach_today(list(page))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "counts": [(key, LABELS[key], n) for key, n in counts.items()],
            "total": sum(counts.values()),
        }
        status = 400 if filters.errors else 200
        return render(request, "warnings_app/artist_list.html", context, status=status)


def _attach_today(artists: list[Artist]) -> None:
    """Gives each artist of a page `state` (today's ArtistState or None), `last_statement` and
    `last_link`, in three lookups for the whole page."""
    states = register_as_of(timezone.localdate(), artist_ids=[a.pk for a in artists])
    last = PreferenceStatement.objects.select_related("recorded_by").in_bulk(
        [a.last_statement_id for a in artists if a.last_statement_id]
    )
    links = PreferenceLink.objects.in_bulk([a.last_link_id for a in artists if a.last_link_id])
    for artist in artists:
        artist.state = states.get(artist.pk)
        artist.last_statement = last.get(artist.last_statement_id)
        artist.last_link = links.get(artist.last_link_id)


class ArtistDetailView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_artist"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        artist = get_object_or_404(Artist, pk=pk)
        today = timezone.localdate()
        state = register_as_of(today, artist_ids=[pk]).get(pk)
        history = list(
            artist.statements.select_related("recorded_by", "link")
            .prefetch_related("work_choices__work")
            .order_by("-created_at", "-pk")
        )
        works = artist.works.order_by("title", "pk")
        in_force = next((s for s in history if state and s.pk == state.statement_id), None)
        scheduled = sorted(
            (s for s in history if s.effective_from > today),
            key=lambda s: (s.effective_from, s.created_at),
        )
        for statement in scheduled:
            # A change dated ahead but recorded before the statement now in force (say, the
            # artist confirmed something else since) still takes effect on its day: flag it.
            statement.predates_current = bool(in_force) and (
                statement.created_at < in_force.created_at
            )
        context = {
            "artist": artist,
            "today": today,
            "state": state,
            "in_force": in_force,
            "scheduled": scheduled,
            "history": history,
            "works": works_as_of(works, today),
            "links": [
                (link, link.state())
                for link in artist.links.select_related("created_by", "revoked_by")
            ],
        }
        if request.user.has_perm("warnings_app.add_preferencelink"):
            context["link_form"] = PreferenceLinkForm(artist=artist)
        return render(request, "warnings_app/artist_detail.html", context)


class PreferenceRecordView(RoleRequiredMixin, View):
    """Legal records a statement from the artist's instruction. Refusals change nothing."""

    permission_required = "warnings_app.add_preferencestatement"

    def _form(self, artist: Artist, *args) -> PreferenceStatementForm:
        state = register_as_of(timezone.localdate(), artist_ids=[artist.pk]).get(artist.pk)
        works = list(artist.works.order_by("title", "pk"))
        form = PreferenceStatementForm(*args, works=works, exceptions=state.works if state else {})
        if state:
            form.fields["licensing_contact"].initial = state.licensing_contact
        form.state = state
        return form

    def _page(self, request, artist, form, status=200) -> HttpResponse:
        scheduled = artist.statements.filter(effective_from__gt=timezone.localdate())
        context = {
            "artist": artist,
            "form": form,
            "state": form.state,
            "scheduled": scheduled.order_by("effective_from", "created_at"),
        }
        return render(request, RECORD_TEMPLATE, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        artist = get_object_or_404(Artist, pk=pk)
        return self._page(request, artist, self._form(artist))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
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

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        statement = get_object_or_404(PreferenceStatement.objects.select_related("artist"), pk=pk)
        try:
            content = stored_file_download(
                name=statement.instruction_file.name,
                sha256=statement.instruction_sha256,
                by=request.user,
                verb="preference.instruction_downloaded",
                target=statement,
                data={"artist": statement.artist_id},
            )
        except StoredFileAltered:
            return HttpResponse(
                f"The stored instruction of statement #{statement.pk} is missing or does not "
                "match its recorded SHA-256; it is not served. Tell an administrator.",
                status=409,
                content_type="text/plain; charset=utf-8",
            )
        return attachment_response(
            content,
            content_type=statement.instruction_content_type,
            filename=statement.instruction_filename,
            sha256=statement.instruction_sha256,
        )
