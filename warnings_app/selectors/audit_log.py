"""Reading the audit log: the events a person chose, newest first, filtered on indexed columns
only and paged by event id (no COUNT over a table of millions). Two queries a page at most:
the reference lookup and the page itself."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from warnings_app.models import AuditAnchor, AuditEvent, Notice

PAGE = 50


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def audit_events(
    *,
    actor: str = "",
    verb: str = "",
    target_type: str = "",
    target_id: str = "",
    reference: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """The chosen events, unordered. `actor` is a user name, `verb` a prefix of the action,
    `reference` a letter's reference (its events only; none when no letter has it), `since` and
    `until` local days, both included."""
    events = AuditEvent.objects.select_related("actor")
    if actor:
        events = events.filter(actor__username=actor)
    if verb:
        events = events.filter(verb__startswith=verb)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if reference:
        notice = Notice.objects.filter(reference__iexact=reference.strip()).first()
        events = events.filter(
            target_type="warnings_app.notice", target_id=str(notice.pk) if notice else "-"
        )
    if since is not None:
        events = events.filter(created_at__gte=_start_of(since))
    if until is not None:
        events = events.filter(created_at__lt=_start_of(until + timedelta(days=1)))
    return events


@dataclass
class AuditPage:
    events: list[AuditEvent]  # newest first
    newer: int | None  # the id to page towards newer events from, if there are any
    older: int | None  # the id to page towards older events from, if there are any


def audit_page(
    events: QuerySet[AuditEvent], *, before: int | None = None, after: int | None = None
) -> AuditPage:
    """One page of PAGE events, newest first: the newest overall, those older than `before`, or
    those just newer than `after` (event ids from the page links). One query."""
    if after is not None:
        rows = list(events.filter(pk__gt=after).order_by("pk")[: PAGE + 1])
        newer, older = len(rows) > PAGE, True
        rows = rows[:PAGE][::-1]
    else:
        if before is not None:
            events = events.filter(pk__lt=before)
        rows = list(events.order_by("-pk")[: PAGE + 1])
        newer, older = before is not None, len(rows) > PAGE
        rows = rows[:PAGE]
    return AuditPage(
        events=rows,
        newer=rows[0].pk if newer and rows else None,
        older=rows[-1].pk if older and rows else None,
    )


def latest_anchor() -> AuditAnchor | None:
    """The newest anchor of the chain (services/audit_anchors.py), for the audit log page."""
    return AuditAnchor.objects.order_by("-pk").first()
