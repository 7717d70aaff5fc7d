"""One notice's story in time order: the letter and the letters that followed it, every
delivery attempt with the server's reply, replies with their classification, the ladder, and
every audit event. A fixed number of queries whatever the length of the story."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse

from warnings_app.domain.event_words import event_words
from warnings_app.models import AuditEvent, Notice, Response
from warnings_app.selectors.licence_matters import talks_of_series


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # letter, delivery, reply, follow-up, talks, event
    text: str
    url: str = ""
    verb: str = ""  # an audit event's raw record, shown folded away beside the sentence
    data: dict[str, Any] | None = None


def notice_timeline(notice: Notice) -> list[Entry]:
    entries = [Entry(notice.created_at, "letter", f"{notice.reference} drafted")]
    for later in Notice.objects.filter(follows=notice).only("pk", "reference", "created_at"):
        entries.append(
            Entry(
                later.created_at,
                "letter",
                f"Follow-up letter {later.reference}",
                reverse("notice_detail", args=[later.pk]),
            )
        )
    for attempt in notice.deliveries.all():
        outcome = attempt.get_outcome_display().lower()
        to = f" to {attempt.recipient}" if attempt.recipient else ""
        reply = f": {attempt.server_reply}" if attempt.server_reply else ""
        entries.append(
            Entry(
                attempt.started_at,
                "delivery",
                f"{attempt.get_channel_display()}{to}, {outcome}{reply}",
            )
        )
    replies = Response.objects.filter(notice=notice).prefetch_related("demands")
    for response in replies:
        answers = ", ".join(
            f"{d.get_demand_display()}: {d.get_answer_display()}" for d in response.demands.all()
        )
        label = "Reply" if response.kind == Response.Kind.REPLY else response.get_kind_display()
        channel = response.get_channel_display().lower()
        text = f"{label} by {channel} from {response.sender or 'unknown'}"
        text += f" — {response.get_outcome_display()}" + (f" ({answers})" if answers else "")
        entries.append(
            Entry(response.received_at, "reply", text, reverse("reply_detail", args=[response.pk]))
        )
    for follow_up in notice.follow_ups.select_related("step"):
        text = f"Ladder step “{follow_up.step.name}” due, {follow_up.get_status_display().lower()}"
        if follow_up.cancelled_reason:
            text += f": stopped because {follow_up.cancelled_reason}"
        entries.append(Entry(follow_up.processed_at or follow_up.due_at, "follow-up", text))
    entries.extend(_talks_entries(notice))
    events = AuditEvent.objects.filter(target_type="warnings_app.notice", target_id=str(notice.pk))
    for event in events.select_related("actor"):
        words = event_words(event)
        entries.append(Entry(event.created_at, "event", words.line, "", event.verb, event.data))
    return sorted(entries, key=lambda e: (e.at, e.kind))


def _talks_entries(notice: Notice) -> list[Entry]:
    """Licence talks opened from a reply to the letter (or to its series), and their moves."""
    entries = []
    for matter in talks_of_series(notice):
        url = reverse("licence_matter_detail", args=[matter.pk])
        for move in matter.moves.all():
            if not move.from_stage:
                text = f"Licence talks opened with {matter.company} ({move.get_to_stage_display()})"
            else:
                who = move.by.username if move.by else "the system"
                text = (
                    f"Licence talks moved from {move.get_from_stage_display()} to "
                    f"{move.get_to_stage_display()} by {who}"
                )
                if move.reason:
                    text += f": {move.reason}"
            entries.append(Entry(move.at, "talks", text, url))
        if matter.ladder_restarted_at:
            text = "Reminders restarted after the talks were declined"
            entries.append(Entry(matter.ladder_restarted_at, "talks", text, url))
    return entries


COMPANY_HISTORY_LENGTH = 50


def company_history(company_id: int) -> list[AuditEvent]:
    """The company's own audit events (added, changed, held), newest first, at most
    COMPANY_HISTORY_LENGTH: one query. Its letters' events are on each letter's page."""
    events = AuditEvent.objects.filter(
        target_type="warnings_app.company", target_id=str(company_id)
    ).select_related("actor")
    return list(events.order_by("-pk")[:COMPANY_HISTORY_LENGTH])
