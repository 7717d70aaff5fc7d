"""Recording an artist's AI-training preference. A statement is added, never changed: the
register's history is the list of statements. Each one keeps the artist's instruction as a
file with its SHA-256, is hashed as a whole for the receipt, is audited, and republishes the
machine-readable reservations when they change. A reservation flags the licences that
include the works it reserves (services/licence_flags.py)."""

from datetime import date
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from warnings_app.domain.preferences import Instruction
from warnings_app.models import (
    Artist,
    Preference,
    PreferenceLink,
    PreferenceStatement,
    Work,
    WorkPreference,
)
from warnings_app.selectors.preference_register import record_sha256
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError
from warnings_app.services.licence_flags import licence_flags_raise
from warnings_app.services.reservations import reservations_publish
from warnings_app.services.stored_files import stored_file_save

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class PreferenceInvalid(ServiceError):
    """The statement cannot be recorded as given; the message says why."""


def _checked_choices(
    artist: Artist, preference: str, work_choices: dict[int, str]
) -> list[WorkPreference]:
    works = {w.pk: w for w in Work.objects.filter(artist_profile=artist, pk__in=list(work_choices))}
    strangers = sorted(set(work_choices) - set(works))
    if strangers:
        raise PreferenceInvalid(
            f"Work {', '.join(map(str, strangers))} is not one of {artist.name}'s works."
        )
    choices = []
    for work_id, choice in sorted(work_choices.items()):
        if choice not in Preference.values:
            raise PreferenceInvalid(f"“{choice}” is not a preference.")
        if choice != preference:  # a work that follows its artist needs no line of its own
            choices.append(WorkPreference(work=works[work_id], preference=choice))
    return choices


def preference_record(
    *,
    artist: Artist,
    preference: str,
    effective_from: date,
    instruction: Instruction,
    licensing_contact: str = "",
    work_choices: dict[int, str] | None = None,
    note: str = "",
    by: "User | AnonymousUser | None" = None,
    link: PreferenceLink | None = None,
    confirmed_by: str = "",
) -> PreferenceStatement:
    """Adds a statement of `artist`'s preference from `effective_from`. `work_choices` maps
    work ids to the preference of works that differ from the artist's. Recorded either by a
    member of staff (`by`) from the artist's instruction, or through a private `link` the artist
    confirmed (the link service has already claimed it). Raises PreferenceInvalid or
    uploads.UploadRefused, changing nothing."""
    if preference not in Preference.values:
        raise PreferenceInvalid(f"“{preference}” is not a preference.")
    signed_in = by if by is not None and by.is_authenticated else None
    if link is None and signed_in is None:
        raise PreferenceInvalid("A statement is recorded by a signed-in user or through a link.")
    if link is not None and link.artist_id != artist.pk:
        raise PreferenceInvalid("This link belongs to another artist.")
    choices = _checked_choices(artist, preference, work_choices or {})
    licensing_contact = licensing_contact.strip()
    licensable = preference == Preference.LICENSABLE or any(
        c.preference == Preference.LICENSABLE for c in choices
    )
    if licensable and not licensing_contact:
        raise PreferenceInvalid("Licensable on terms needs a licensing contact.")
    checked = instruction.checked()
    stored = stored_file_save(
        folder="instructions", content=instruction.content, extension=checked.extension
    )
    try:
        with transaction.atomic():
            statement = PreferenceStatement(
                artist=artist,
                preference=preference,
                licensing_contact=licensing_contact,
                effective_from=effective_from,
                source=(
                    PreferenceStatement.Source.ARTIST_LINK
                    if link
                    else PreferenceStatement.Source.STAFF
                ),
                recorded_by=signed_in if link is None else None,
                link=link,
                confirmed_by=confirmed_by[:300],
                note=note.strip(),
                instruction_file=stored,
                instruction_filename=(instruction.filename or "instruction")[:255],
                instruction_content_type=checked.content_type,
                instruction_size=checked.size,
                instruction_sha256=checked.sha256,
                created_at=timezone.now(),
            )
            statement.record_sha256 = record_sha256(statement, choices)
            statement.save(force_insert=True)
            for choice in choices:
                choice.statement = statement
            WorkPreference.objects.bulk_create(choices)
            audit_record(
                actor=by,
                verb="preference.recorded",
                target=artist,
                to_state=preference,
                data={
                    "statement": statement.pk,
                    "effective_from": effective_from.isoformat(),
                    "works": {str(c.work.pk): c.preference for c in choices},
                    "licensing_contact": licensing_contact,
                    "source": statement.source,
                    "link": link.pk if link else None,
                    "confirmed_by": statement.confirmed_by,
                    "instruction_sha256": checked.sha256,
                    "record_sha256": statement.record_sha256,
                },
            )
            reservations_publish(by=by)
            # Licences already signed that include works this reserves go to the lawyers.
            licence_flags_raise(statement=statement, by=by)
    except Exception:
        default_storage.delete(stored)
        raise
    return statement
