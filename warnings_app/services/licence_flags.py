"""Flags for the lawyers: an artist reserved works that a licence already includes.

A licence's scope was decided on its signing date and is never changed; when the artist later
reserves (the whole catalogue, or single works by a per-work exception), every licence not yet
ended that includes those works is flagged, with the date from which the reservation applies.
A lawyer resolves the flag with a note."""

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from warnings_app.models import (
    Licence,
    LicenceFlag,
    LicenceWork,
    Preference,
    PreferenceStatement,
    Work,
)
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def _reserved_works(statement: PreferenceStatement) -> set[int]:
    """The artist's works the statement reserves: all but its exceptions when the artist
    reserves, else only the works it reserves by exception."""
    choices = dict(statement.work_choices.values_list("work_id", "preference"))
    works = Work.objects.filter(artist_profile_id=statement.artist_id).values_list("pk", flat=True)
    return {pk for pk in works if choices.get(pk, statement.preference) == Preference.RESERVED}


def licence_flags_raise(
    *, statement: PreferenceStatement, by: "User | AnonymousUser | None", today: date | None = None
) -> list[LicenceFlag]:
    """Flags each licence not yet ended on `today` (nor before the reservation applies) that
    includes works the statement reserves. Once per licence and statement: a re-run adds
    nothing. Runs inside the statement's transaction."""
    today = today or timezone.localdate()
    reserved = _reserved_works(statement)
    if not reserved:
        return []
    live = (Q(ends_on__isnull=True) | Q(ends_on__gte=max(today, statement.effective_from))) & (
        Q(terminated_on__isnull=True) | Q(terminated_on__gt=max(today, statement.effective_from))
    )
    included = (
        LicenceWork.objects.filter(included=True, work_id__in=reserved)
        .filter(licence__in=Licence.objects.filter(live))
        .values("licence_id")
        .annotate(works=Count("pk"))
    )
    counts = {row["licence_id"]: row["works"] for row in included}
    # Recorded before licences existed: the whole catalogue, with no rows of works.
    for pk in Licence.objects.filter(live, origin=Licence.Origin.RECORDED_BEFORE).values_list(
        "pk", flat=True
    ):
        counts[pk] = len(reserved)
    flags = []
    with transaction.atomic():
        for licence_id, works in sorted(counts.items()):
            flag, created = LicenceFlag.objects.get_or_create(
                licence_id=licence_id,
                statement=statement,
                defaults={
                    "artist_id": statement.artist_id,
                    "effective_from": statement.effective_from,
                    "works": works,
                },
            )
            if created:
                audit_record(
                    actor=by,
                    verb="licence.flag_raised",
                    target=flag.licence,
                    data={
                        "flag": flag.pk,
                        "artist": statement.artist_id,
                        "statement": statement.pk,
                        "effective_from": statement.effective_from.isoformat(),
                        "works": works,
                    },
                )
                flags.append(flag)
    return flags


@transaction.atomic
def licence_flag_resolve(*, flag: LicenceFlag, note: str, by: "User") -> LicenceFlag:
    """A lawyer records what was done about the flag. Once; raises ServiceError otherwise."""
    note = note.strip()
    if not note:
        raise ServiceError("Say what was done about the reservation (a note is required).")
    updated = LicenceFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=by, resolution=note[:1000]
    )
    if updated != 1:
        raise ServiceError("This flag was resolved already.")
    audit_record(
        actor=by,
        verb="licence.flag_resolved",
        target=flag.licence,
        data={"flag": flag.pk, "artist": flag.artist_id, "note": note},
    )
    flag.refresh_from_db()
    return flag
