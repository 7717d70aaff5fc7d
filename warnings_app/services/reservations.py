"""Publishing the machine-readable reservations (warnings_app/reports/reservations.py says
what they contain and why). Each published version keeps the files exactly as served with their
SHA-256 and the day whose register they show, so the label can prove when a reservation was
public. A new version is stored exactly when what is served changes: the tdmrep.json, the
robots.txt section, or a licensing policy they point to."""

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from warnings_app.domain import audit_chain
from warnings_app.models import AICrawler, PreferenceStatement, ReservationPublication, Work
from warnings_app.reports import reservations as publication
from warnings_app.selectors.preference_register import register_as_of
from warnings_app.selectors.reservations import latest_publication
from warnings_app.services.audit import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

LOCK_KEY = 0x74646D726570  # "tdmrep": any constant every publisher agrees on


def policy_url(artist_id: int) -> str:
    base: str = settings.PUBLIC_BASE_URL
    return base + reverse("reservation_policy", args=[artist_id])


def reservations_generate(day: date) -> publication.Generated:
    """The files for the register as it stands on `day` and the active crawler list."""
    states = register_as_of(day)
    works = Work.objects.filter(artist_profile_id__in=list(states)).values_list(
        "pk", "isrc", "artist_profile_id"
    )
    # Sorted here, not by the database, whose collation could reorder them between servers.
    crawlers = sorted(AICrawler.objects.filter(active=True).values_list("user_agent", flat=True))
    return publication.generate(
        states=states,
        works=list(works),
        crawlers=crawlers,
        artist_path=settings.RESERVATION_ARTIST_PATH,
        work_path=settings.RESERVATION_WORK_PATH,
        policy_url=policy_url,
    )


def _lock() -> None:
    """Serialise publishers until the transaction ends, so versions follow one another and
    none is read twice as "the latest". The audit chain's lock is taken first: preference_record
    already holds it when it calls us, and taking the two in one order means two publishers can
    never wait on each other. (SQLite allows one writer at a time anyway.)"""
    audit_chain.lock()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _unchanged(latest: ReservationPublication | None, new: publication.Generated) -> bool:
    return (
        latest is not None
        and latest.tdmrep_sha256 == new.tdmrep_sha256
        and latest.robots_sha256 == new.robots_sha256
        and latest.summary.get("policies_sha256") == new.policies_sha256
    )


def reservations_publish(
    *, by: "User | AnonymousUser | None" = None, today: date | None = None
) -> ReservationPublication | None:
    """Publishes the register as of `today` (the local date by default) when it differs from
    the latest version, and returns the new version; returns None when nothing changed. Safe to
    call any number of times, and from inside a caller's transaction (preference_record's):
    the new version commits or rolls back with it."""
    day = today or timezone.localdate()
    with transaction.atomic():
        _lock()
        latest = latest_publication()
        new = reservations_generate(day)
        if _unchanged(latest, new):
            return None
        created = ReservationPublication.objects.create(
            version=(latest.version if latest else 0) + 1,
            published_at=timezone.now(),
            effective_on=day,
            tdmrep_json=new.tdmrep,
            tdmrep_sha256=new.tdmrep_sha256,
            robots_txt=new.robots,
            robots_sha256=new.robots_sha256,
            summary={
                **new.summary,
                "policies": new.policies,
                "policies_sha256": new.policies_sha256,
            },
            published_by=by if by is not None and by.is_authenticated else None,
        )
        audit_record(
            actor=by,
            verb="reservations.published",
            target=created,
            data={
                "version": created.version,
                "effective_on": day.isoformat(),
                "tdmrep_sha256": created.tdmrep_sha256,
                "robots_sha256": created.robots_sha256,
                "policies_sha256": new.policies_sha256,
                "previous_version": latest.version if latest else None,
            },
        )
    return created


def reservations_current() -> ReservationPublication | None:
    """The latest version; the first request on a new installation publishes version 1, so the
    well-known file always answers with the register rather than with nothing."""
    return latest_publication() or reservations_publish() or latest_publication()


def reservations_catch_up(*, letter_date: date) -> None:
    """Before a letter of today takes its merge data: a statement dated ahead takes effect at
    midnight, but beat republishes only every RESERVATIONS_EVERY_SECONDS, and a letter of today
    must not cite yesterday's files when a statement took effect since. Publishing is idempotent,
    so a race here is harmless."""
    latest = ReservationPublication.objects.order_by("-version").first()
    if latest is None or letter_date != timezone.localdate():
        return
    if PreferenceStatement.objects.filter(
        effective_from__gt=latest.effective_on, effective_from__lte=letter_date
    ).exists():
        reservations_publish()
