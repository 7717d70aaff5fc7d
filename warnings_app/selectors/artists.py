"""Reads of the preference register's pages: every artist with today's preference, the count of
artists per preference, one artist's full page, their works and the statements dated ahead, and
the statement an artist has just confirmed on their private link. Each costs a fixed number of
queries however many artists, statements or links there are."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from warnings_app.models import Artist, PreferenceLink, PreferenceStatement, Work
from warnings_app.selectors.preference_register import (
    LABELS,
    NOT_RECORDED,
    ArtistState,
    WorkState,
    register_as_of,
    works_as_of,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class TodayColumns(TypedDict):
    current: str | None
    last_statement_id: int | None
    last_link_id: int | None
    open_until: datetime | None
    work_count: int


if TYPE_CHECKING:
    ArtistToday = WithAnnotations[Artist, TodayColumns]


def _in_force_today() -> Subquery:
    """The preference of the latest statement in effect today, in the register's order."""
    in_force = PreferenceStatement.objects.filter(
        artist=OuterRef("pk"), effective_from__lte=timezone.localdate()
    ).order_by("-effective_from", "-created_at", "-pk")
    return Subquery(in_force.values("preference")[:1])


def artists_with_today(*, text: str = "", preference: str = "") -> "QuerySet[ArtistToday]":
    """Artists annotated with today's preference (`current`), their number of works, their last
    recorded statement, their newest link and how long their open link runs, each a subquery:
    one query for a page of any size. `text` matches the name or e-mail; `preference` is one of
    the register's preferences or NOT_RECORDED."""
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
    artists = Artist.objects.annotate(
        current=_in_force_today(),
        last_statement_id=Subquery(statements.order_by("-created_at", "-pk").values("pk")[:1]),
        last_link_id=Subquery(links.values("pk")[:1]),
        open_until=Subquery(open_links.order_by("-expires_at").values("expires_at")[:1]),
        work_count=Coalesce(Subquery(works.values("n")), 0),
    )
    if text:
        artists = artists.filter(Q(name__icontains=text) | Q(email__icontains=text))
    if preference == NOT_RECORDED:
        artists = artists.filter(current__isnull=True)
    elif preference:
        artists = artists.filter(current=preference)
    return artists.order_by("name", "pk")


def artist_counts_today() -> dict[str, int]:
    """Artists per preference today, NOT_RECORDED included, in the register's order: one query."""
    counts = dict.fromkeys(LABELS, 0)
    rows = Artist.objects.annotate(current=_in_force_today()).values("current")
    for row in rows.annotate(n=Count("pk")).order_by():
        counts[row["current"] or NOT_RECORDED] += row["n"]
    return counts


@dataclass
class ArtistRow:
    """One line of the register's list."""

    artist: Artist
    state: ArtistState | None
    work_count: int
    last_statement: PreferenceStatement | None
    last_link: PreferenceLink | None
    open_until: datetime | None


def artist_rows(artists: "list[ArtistToday]") -> list[ArtistRow]:
    """The lines of one page of artists_with_today: today's state, the last statement and the
    newest link of each, in three queries for the whole page."""
    states = register_as_of(timezone.localdate(), artist_ids=[a.pk for a in artists])
    last = PreferenceStatement.objects.select_related("recorded_by").in_bulk(
        [a.last_statement_id for a in artists if a.last_statement_id]
    )
    links = PreferenceLink.objects.in_bulk([a.last_link_id for a in artists if a.last_link_id])
    return [
        ArtistRow(
            artist=a,
            state=states.get(a.pk),
            work_count=a.work_count,
            last_statement=last.get(a.last_statement_id) if a.last_statement_id else None,
            last_link=links.get(a.last_link_id) if a.last_link_id else None,
            open_until=a.open_until,
        )
        for a in artists
    ]


@dataclass
class ScheduledChange:
    """A statement dated ahead. `predates_current`: it was recorded before the statement now in
    force (say, the artist confirmed something else since), yet still takes effect on its day."""

    statement: PreferenceStatement
    predates_current: bool


@dataclass
class ArtistPage:
    today: date
    state: ArtistState | None
    in_force: PreferenceStatement | None
    scheduled: list[ScheduledChange]
    history: list[PreferenceStatement]
    works: list[WorkState]
    links: list[tuple[PreferenceLink, str]]


def artist_page(*, artist: Artist) -> ArtistPage:
    """One artist's page: today's state, the statement in force, changes dated ahead, the full
    history newest first, each work's preference today and every link with its state. A fixed
    number of queries however long the history."""
    today = timezone.localdate()
    state = register_as_of(today, artist_ids=[artist.pk]).get(artist.pk)
    history = list(
        artist.statements.select_related("recorded_by", "link")
        .prefetch_related("work_choices__work")
        .order_by("-created_at", "-pk")
    )
    in_force = next((s for s in history if state and s.pk == state.statement_id), None)
    ahead = sorted(
        (s for s in history if s.effective_from > today),
        key=lambda s: (s.effective_from, s.created_at),
    )
    scheduled = [
        ScheduledChange(s, in_force is not None and s.created_at < in_force.created_at)
        for s in ahead
    ]
    links = artist.links.select_related("created_by", "revoked_by")
    return ArtistPage(
        today=today,
        state=state,
        in_force=in_force,
        scheduled=scheduled,
        history=history,
        works=works_as_of(artist_works(artist), today),
        links=[(link, link.state()) for link in links],
    )


def artist_works(artist: Artist) -> list[Work]:
    """The artist's works by title: one query."""
    return list(artist.works.order_by("title", "pk"))


def statements_scheduled(artist: Artist) -> QuerySet[PreferenceStatement]:
    """The artist's statements dated after today, in the order they take effect: one query."""
    return artist.statements.filter(effective_from__gt=timezone.localdate()).order_by(
        "effective_from", "created_at"
    )


def statement_for_receipt(statement_id: int) -> PreferenceStatement:
    """A statement with its artist and link, for its receipt (PreferenceStatement.DoesNotExist
    when there is none): one query."""
    return PreferenceStatement.objects.select_related("artist", "link").get(pk=statement_id)
