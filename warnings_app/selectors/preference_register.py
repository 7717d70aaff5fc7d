"""Reading the preference register: what each artist and work stood at on a given day, and
since when. Statements are never changed, so the state on a day is always the same answer: the
latest statement in effect on that day (by effective date, then by when it was recorded)."""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from warnings_app.models import Artist, Preference, PreferenceStatement, Work, WorkPreference

NOT_RECORDED = "not_recorded"
LABELS = {**dict(Preference.choices), NOT_RECORDED: "Not recorded"}


@dataclass(frozen=True)
class ArtistState:
    """An artist's preference in force on a day. `works` maps each work whose preference differs
    from the artist's to its own; `work_since` gives the day each of the artist's works has held
    its current preference since."""

    artist_id: int
    name: str
    preference: str
    since: date
    effective_from: date
    licensing_contact: str
    statement_id: int
    works: dict[int, str] = field(default_factory=dict)
    work_since: dict[int, date] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return LABELS[self.preference]

    def of_work(self, work_id: int) -> str:
        return self.works.get(work_id, self.preference)


def _newest_first(statements: list[PreferenceStatement]) -> list[PreferenceStatement]:
    return sorted(statements, key=lambda s: (s.effective_from, s.created_at, s.pk), reverse=True)


def _since(answers: list[tuple[str, date]]) -> date:
    """How far back the newest answer has held without a break; `answers` are (preference,
    effective date) pairs, newest first."""
    current, since = answers[0]
    for preference, effective_from in answers[1:]:
        if preference != current:
            break
        since = effective_from
    return since


def register_as_of(
    day: date,
    *,
    artist_ids: Iterable[int] | None = None,
    work_ids: Iterable[int] | None = None,
) -> dict[int, ArtistState]:
    """Artist id -> state in force on `day`, for artists with a statement in effect by then.
    `work_since` covers the artists' works, or only `work_ids` when given (a letter needs its
    schedule's, not the whole catalogue's)."""
    statements = PreferenceStatement.objects.filter(effective_from__lte=day).select_related(
        "artist"
    )
    if artist_ids is not None:
        statements = statements.filter(artist_id__in=list(artist_ids))
    statements = statements.prefetch_related("work_choices").only(
        "pk",
        "artist_id",
        "artist__name",
        "preference",
        "licensing_contact",
        "effective_from",
        "created_at",
    )
    by_artist: dict[int, list[PreferenceStatement]] = defaultdict(list)
    for statement in statements:
        by_artist[statement.artist_id].append(statement)
    works = Work.objects.filter(artist_profile_id__in=list(by_artist))
    if work_ids is not None:
        works = works.filter(pk__in=list(work_ids))
    works_of: dict[int, list[int]] = defaultdict(list)
    for work_id, artist_id in works.values_list("pk", "artist_profile_id"):
        works_of[artist_id].append(work_id)
    states = {}
    for artist_id, found in by_artist.items():
        history = _newest_first(found)
        choices = {s.pk: {c.work_id: c.preference for c in s.work_choices.all()} for s in history}
        latest = history[0]
        states[artist_id] = ArtistState(
            artist_id=artist_id,
            name=latest.artist.name,
            preference=latest.preference,
            since=_since([(s.preference, s.effective_from) for s in history]),
            effective_from=latest.effective_from,
            licensing_contact=latest.licensing_contact,
            statement_id=latest.pk,
            works=choices[latest.pk],
            work_since={
                work_id: _since(
                    [(choices[s.pk].get(work_id, s.preference), s.effective_from) for s in history]
                )
                for work_id in works_of[artist_id]
            },
        )
    return states


@dataclass(frozen=True)
class WorkState:
    work: Work
    preference: str
    since: date | None

    @property
    def label(self) -> str:
        return LABELS[self.preference]


def works_as_of(works: Iterable[Work], day: date) -> list[WorkState]:
    """Each work's preference on `day` (NOT_RECORDED when its artist had none yet), in the
    order given."""
    works = list(works)
    states = register_as_of(
        day,
        artist_ids={w.artist_profile_id for w in works if w.artist_profile_id is not None},
        work_ids=[w.pk for w in works],
    )
    result = []
    for work in works:
        artist_id = work.artist_profile_id
        state = states.get(artist_id) if artist_id is not None else None
        if state is None:
            result.append(WorkState(work=work, preference=NOT_RECORDED, since=None))
        else:
            result.append(
                WorkState(
                    work=work,
                    preference=state.of_work(work.pk),
                    since=state.work_since.get(work.pk, state.since),
                )
            )
    return result


def register_counts(day: date) -> dict[str, dict[str, int]]:
    """{"artists": {preference: n}, "works": {preference: n}} on `day`, with NOT_RECORDED for
    artists and works that have no statement in effect yet."""
    states = register_as_of(day)
    artists = dict.fromkeys(LABELS, 0)
    works = dict.fromkeys(LABELS, 0)
    for artist_id in Artist.objects.values_list("pk", flat=True):
        state = states.get(artist_id)
        artists[state.preference if state else NOT_RECORDED] += 1
    for work_id, artist_id in Work.objects.values_list("pk", "artist_profile_id"):
        state = states.get(artist_id)
        works[state.of_work(work_id) if state else NOT_RECORDED] += 1
    return {"artists": artists, "works": works}


def statement_record(
    statement: PreferenceStatement, choices: list[WorkPreference] | None = None
) -> dict[str, Any]:
    """The canonical content of a statement, as hashed into `record_sha256` and quoted on the
    artist's receipt. `choices` are its work choices before they are saved; afterwards they are
    read back, so recomputing the hash from the stored rows proves the record is unchanged.
    Only the statement's own values and ids go in: a work's title or a user's name may be
    corrected later without making the record look altered."""
    if choices is None:
        choices = list(statement.work_choices.all())
    return {
        "artist": {"id": statement.artist_id, "name": statement.artist.name},
        "preference": statement.preference,
        "licensing_contact": statement.licensing_contact,
        "effective_from": statement.effective_from.isoformat(),
        "works": [
            {"work": choice.work_id, "preference": choice.preference}
            for choice in sorted(choices, key=lambda c: c.work_id)
        ],
        "source": statement.source,
        "recorded_by": statement.recorded_by_id,
        "link": statement.link_id,
        "confirmed_by": statement.confirmed_by,
        "instruction_sha256": statement.instruction_sha256,
        "recorded_at": statement.created_at.isoformat(),
    }


def record_sha256(
    statement: PreferenceStatement, choices: list[WorkPreference] | None = None
) -> str:
    canonical = json.dumps(
        statement_record(statement, choices),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
