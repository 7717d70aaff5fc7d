"""The built records as table rows: dicts keyed by attribute name, one list or generator per
model, in an order that inserts every row after the rows it points at."""

from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.conf import settings

from warnings_app.models import (
    AuditEvent,
    Campaign,
    Company,
    Contact,
    DeliveryAttempt,
    DemandAnswer,
    FollowUp,
    LadderStep,
    Notice,
    Response,
)
from warnings_demo.scale.history import _Builder
from warnings_demo.scale.plan import (
    HANDOFF_AFTER,
    REMINDER_AFTER,
    TONES,
    WINDOW,
    Fixed,
    Row,
    Table,
    _Attempt,
    _Campaign,
    _FollowUp,
    _Letter,
    _Reply,
)


def tables(b: _Builder, campaigns: list[_Campaign], letters: list[_Letter]) -> list[Table]:
    """The rows, in an order that inserts every row after the rows it points at. The big
    tables are generators, so their dicts exist only while they are written."""
    principal = b.fixed.principal
    return [
        Table(Company, b.company_rows),
        Table(Contact, b.contact_rows),
        Table(Campaign, [_campaign_row(b.fixed, c) for c in campaigns]),
        Table(Campaign.principals.through,
              [{"campaign_id": c.pk, "principal_id": principal} for c in campaigns]),
        Table(Campaign.works.through,
              [{"campaign_id": c.pk, "work_id": w} for c in campaigns for w in c.works]),
        Table(LadderStep, [row for c in campaigns for row in _step_rows(b.fixed, c)]),
        Table(Notice, (_notice_row(b.fixed, x) for x in letters)),
        Table(Notice.principals.through,
              ({"notice_id": x.pk, "principal_id": principal} for x in letters)),
        Table(Notice.works.through,
              ({"notice_id": x.pk, "work_id": w} for x in letters for w in x.campaign.works)),
        Table(DeliveryAttempt, (_attempt_row(a) for a in b.attempts)),
        Table(Response, (_reply_row(b.fixed, r) for r in b.replies)),
        Table(DemandAnswer, ({"response_id": r.pk, "demand": d, "answer": a}
                             for r in b.replies for d, a in r.demands.items())),
        Table(FollowUp, (_follow_up_row(f) for f in b.follow_ups)),
        Table(AuditEvent, _audit_rows(b)),
    ]  # fmt: skip


def _campaign_row(fixed: Fixed, c: _Campaign) -> Row:
    return {
        "id": c.pk, "name": c.name, "description": f"{c.name}: letters sent from {c.start}.",
        "status": c.status, "template_version_id": fixed.initial_version,
        "response_window_days": WINDOW, "channels": ["email"], "signatory_name": "Harriet Vale",
        "signatory_title": "General Counsel", "created_at": c.created_at,
        "created_by_id": c.author, "approved_at": c.approved_at, "approved_by_id": c.approver,
    }  # fmt: skip


def _step_rows(fixed: Fixed, c: _Campaign) -> list[Row]:
    reminder, handoff = c.steps
    return [
        {"id": reminder, "campaign_id": c.pk, "order": 1, "name": "Reminder",
         "offset_business_days": REMINDER_AFTER, "action": "letter",
         "template_version_id": fixed.reminder_version, "channels": ["email"],
         "requires_approval": False},
        {"id": handoff, "campaign_id": c.pk, "order": 2, "name": "Hand-off to counsel",
         "offset_business_days": HANDOFF_AFTER, "action": "handoff", "template_version_id": None,
         "channels": [], "requires_approval": True},
    ]  # fmt: skip


def _notice_row(fixed: Fixed, x: _Letter) -> Row:
    reminder, company = x.follows is not None, x.company
    recipient = {"legal_name": company.legal_name, "email": f"legal@{company.domain}",
                 "address_lines": [], "via_counsel": False}  # fmt: skip
    return {
        "id": x.pk, "reference": x.reference, "company_id": company.pk,
        "contact_id": company.contact, "campaign_id": x.campaign.pk,
        "ladder_step_id": x.campaign.steps[0] if reminder else None,
        "follows_id": x.follows.pk if x.follows is not None else None,
        "template_version_id": fixed.reminder_version if reminder else fixed.initial_version,
        "status": x.status, "channels": ["email"], "due_date": x.due.due,
        "due_date_explanation": x.due.explanation, "merge_data": {"recipient": recipient},
        "pdf_sha256": x.sha256, "pdf_size": x.size, "pdf_pages": x.pages,
        "rendered_at": x.rendered_at, "created_at": x.created_at, "created_by_id": x.created_by,
        "approved_at": x.approved_at, "approved_by_id": x.approved_by, "sent_at": x.sent_at,
        "status_changed_at": x.status_changed_at, "enqueued_at": x.enqueued_at,
    }  # fmt: skip


def _message_id(letter: _Letter) -> str:
    return f"<{letter.reference}.{letter.pk}@{settings.MESSAGE_ID_DOMAIN}>"


def _attempt_row(a: _Attempt) -> Row:
    letter = a.letter
    return {
        "id": a.pk, "notice_id": letter.pk, "channel": "email", "outcome": a.outcome,
        "idempotency_key": f"{letter.reference}/email", "message_id": _message_id(letter),
        "recipient": a.recipient, "server_reply": a.reply, "pdf_sha256": letter.sha256,
        "phase": "connecting" if a.outcome == "failed" else "done",
        "started_at": a.started_at, "finished_at": a.finished_at,
    }  # fmt: skip


def _reply_row(fixed: Fixed, r: _Reply) -> Row:
    letter, company = r.letter, r.letter.company
    ref, person = letter.reference, company.person
    subject = fixed.reminder_subject if letter.follows else fixed.initial_subject
    local, _, domain = settings.NOTICE_REPLY_MAILBOX.partition("@")
    body = f"{TONES[r.tone][1].format(ref=ref)}\n\nKind regards,\n{person}\n{company.legal_name}"
    return {
        "id": r.pk, "notice_id": letter.pk, "company_id": company.pk, "channel": "email",
        "kind": "reply", "matched_by": "reply_address", "received_at": r.received_at,
        "sender": f"{person} <{person.lower().replace(' ', '.')}@{company.domain}>",
        "subject": f"Re: {subject} [{ref}]", "body_text": body,
        "recipients": [f"{local}+{ref}@{domain}"], "in_reply_to": _message_id(letter),
        "message_id": f"<scale-{r.pk}@example.test>", "outcome": r.outcome,
        "classified_at": r.classified_at, "classified_by_id": r.classified_by,
        "created_at": r.ingested_at,
    }  # fmt: skip


def _follow_up_row(f: _FollowUp) -> Row:
    return {
        "notice_id": f.letter.pk, "step_id": f.step, "due_at": f.due_at, "status": f.status,
        "result_notice_id": f.result.pk if f.result is not None else None,
        "cancelled_reason": f.reason, "processed_at": f.processed_at,
    }  # fmt: skip


def _audit_rows(b: _Builder) -> Iterator[Row]:
    for e in b.events:
        kind, pk, label = _target(e.target)
        yield {
            "id": b.take_id(AuditEvent), "created_at": e.at, "actor_id": e.actor,
            "verb": e.verb, "target_type": kind, "target_id": pk, "target_repr": label,
            "from_state": e.from_state, "to_state": e.to_state,
            "data": {key: _plain(value) for key, value in e.data.items()},
        }  # fmt: skip


def _target(target: Any) -> tuple[str, str, str]:
    if isinstance(target, _Letter):
        return "warnings_app.notice", str(target.pk), target.reference
    if isinstance(target, _Reply):
        day = f"{target.received_at.astimezone(UTC):%Y-%m-%d}"
        return "warnings_app.response", str(target.pk), f"Reply {target.pk} (E-mail, {day})"
    return "warnings_app.campaign", str(target.pk), target.name


def _plain(value: Any) -> Any:
    """Audit data as stored: a letter by its reference, an attempt or a reply by its id."""
    if isinstance(value, _Letter):
        return value.reference
    if isinstance(value, _Attempt | _Reply):
        return value.pk
    return value
