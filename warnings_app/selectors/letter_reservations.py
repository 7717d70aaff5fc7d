"""The preference-register part of a letter's merge data: what the artists had reserved on the
letter's date and which published reservation was in force. Stored in the notice's merge data
with the rest, so a later change of preference never alters a letter already rendered."""

from datetime import date
from typing import Any

from django.conf import settings
from django.urls import reverse

from warnings_app.models import (
    Preference,
    Principal,
    ReservationPublication,
    Work,
)
from warnings_app.selectors.preference_register import LABELS, NOT_RECORDED, register_as_of


def long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def names_phrase(names: list[str]) -> str:
    """“A”, “A and B”, “A, B and C”."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _published(letter_date: date) -> dict[str, Any]:
    """The publication in force on the letter's date. A read: the renderer publishes first when
    a statement took effect since the last publication (services.reservations_catch_up)."""
    publication = (
        ReservationPublication.objects.filter(effective_on__lte=letter_date)
        .order_by("-version")
        .only("version", "effective_on", "published_at", "tdmrep_sha256")
        .first()
    )
    if publication is None:
        return {"version": "", "date": "", "date_iso": "", "sha256": "", "url": ""}
    return {
        "version": publication.version,
        "date": long_date(publication.effective_on),
        "date_iso": publication.effective_on.isoformat(),
        "sha256": publication.tdmrep_sha256,
        "url": settings.PUBLIC_BASE_URL + reverse("tdmrep_json"),
    }


def reservations_data(
    *, principals: list[Principal], works: list[Work], letter_date: date
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """(the `reservations` merge field, each scheduled work's preference and since when).
    The artists listed are those with works of the letter's rights holders (every artist in
    the register when the letter names none)."""
    with_artist = Work.objects.exclude(artist_profile=None)
    if principals:
        with_artist = with_artist.filter(principal__in=principals)
    artist_ids = {a for a in with_artist.values_list("artist_profile_id", flat=True) if a}
    artist_ids |= {w.artist_profile_id for w in works if w.artist_profile_id}
    states = register_as_of(letter_date, artist_ids=artist_ids, work_ids=[w.pk for w in works])
    ordered = sorted(states.values(), key=lambda s: s.name.casefold())

    def listed(preference: str) -> list[dict[str, str]]:
        return [
            {
                "name": s.name,
                "since": long_date(s.since),
                "licensing_contact": s.licensing_contact,
            }
            for s in ordered
            if s.preference == preference
        ]

    per_work = []
    for work in works:
        artist_id = work.artist_profile_id
        state = states.get(artist_id) if artist_id is not None else None
        preference = state.of_work(work.pk) if state else NOT_RECORDED
        since = state.work_since.get(work.pk, state.since) if state else None
        per_work.append(
            {
                "preference": preference,
                "ai_preference": LABELS[preference],
                "ai_preference_since": long_date(since) if since else "",
            }
        )
    reserved = listed(Preference.RESERVED)
    data = {
        "as_of": long_date(letter_date),
        "reserved_artists": reserved,
        "reserved_artist_names": names_phrase([a["name"] for a in reserved]),
        "licensable_artists": listed(Preference.LICENSABLE),
        "undecided_artists": listed(Preference.UNDECIDED),
        "reserved_works_count": sum(w["preference"] == Preference.RESERVED for w in per_work),
        "published": _published(letter_date),
    }
    return data, per_work
