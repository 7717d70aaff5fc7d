"""The paralegal work queue: every kind of item that needs a person, each a queryset ordered
oldest first. Counts and lists come from the same definitions, so they always agree."""

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from warnings_app.domain.matters import due_this_week, overdue_matters, replies_to_classify
from warnings_app.models import DeliveryAttempt, Notice, Response
from warnings_app.models.lifecycle import NoticeStatus


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    about: str
    kind: str  # "reply" or "notice": what the rows are, and which bulk actions apply


SECTIONS = [
    Section(
        "triage",
        "Triage",
        "Replies tied to no notice yet: not matched, or their sender or address proved "
        "nothing (the reason is shown); and delivery reports that named no delivery of ours",
        "reply",
    ),
    Section("unclassified", "Unclassified replies", "Matched, waiting to be read", "reply"),
    Section("bounced", "Bounced", "The recipient's server returned the letter", "notice"),
    Section("failed", "Failed deliveries", "Refused or given up on; the reason is shown", "notice"),
    Section(
        "reconciliation",
        "Needs reconciliation",
        "The server may have accepted these: check before sending again",
        "notice",
    ),
    Section(
        "to_approve",
        "Letters to approve",
        "First letters of campaigns, rendered and waiting for Legal",
        "notice",
    ),
    Section("approval", "Ladder letters to approve", "Follow-ups waiting for Legal", "notice"),
    Section(
        "overdue",
        "Overdue, no reply",
        "First letters whose deadline passed with no reply to them or their reminders "
        "(the dashboard's overdue figure)",
        "notice",
    ),
    Section(
        "due_week",
        "Deadlines this week",
        "First letters, still unanswered, whose reply-by date falls this week (Monday to Sunday)",
        "notice",
    ),
]
BY_KEY = {s.key: s for s in SECTIONS}


def _awake(qs: QuerySet[Response], today: date) -> QuerySet[Response]:
    return qs.filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today))


def section_items(key: str, *, today: date | None = None) -> QuerySet[Response] | QuerySet[Notice]:
    today = today or timezone.localdate()
    notices = Notice.objects.select_related("company", "campaign")
    # What the mail server last said about the letter: the reason a person needs to act on it.
    last_reply = DeliveryAttempt.objects.filter(notice=OuterRef("pk")).order_by(
        "-started_at", "-pk"
    )
    delivery_trouble = notices.annotate(last_reply=Subquery(last_reply.values("server_reply")[:1]))
    if key == "triage":
        waiting = Response.objects.filter(
            Q(kind=Response.Kind.REPLY, notice__isnull=True)
            | Q(kind=Response.Kind.BOUNCE, trust=Response.Trust.UNCONFIRMED)
        ).select_related("company", "assigned_to", "suggested_notice")
        return _awake(waiting, today).order_by("received_at", "pk")
    if key == "unclassified":
        return _awake(
            replies_to_classify().select_related("notice", "company", "assigned_to"), today
        ).order_by("received_at", "pk")
    if key == "bounced":
        return delivery_trouble.filter(status=NoticeStatus.BOUNCED).order_by(
            "status_changed_at", "pk"
        )
    if key == "failed":
        return delivery_trouble.filter(status=NoticeStatus.FAILED).order_by(
            "status_changed_at", "pk"
        )
    if key == "reconciliation":
        return delivery_trouble.filter(status=NoticeStatus.NEEDS_RECONCILIATION).order_by(
            "status_changed_at", "pk"
        )
    if key == "to_approve":
        return notices.filter(ladder_step__isnull=True, status=NoticeStatus.RENDERED).order_by(
            "created_at", "pk"
        )
    if key == "approval":
        return notices.filter(ladder_step__isnull=False, status=NoticeStatus.RENDERED).order_by(
            "created_at", "pk"
        )
    if key == "overdue":
        return overdue_matters(today).select_related("company", "campaign")
    if key == "due_week":
        return due_this_week(today).select_related("company", "campaign")
    raise KeyError(key)


def section_counts(*, today: date | None = None) -> dict[str, int]:
    return {s.key: section_items(s.key, today=today).count() for s in SECTIONS}
