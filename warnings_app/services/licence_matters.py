"""Licence talks (a *licence matter*): opened from a reply that asks for them or from a company a
lawyer picks; given an owner and a next step; privileged notes and documents added; declined,
with the lawyer's choice to let the warning ladder go on. Every change is audited; a refusal
changes nothing. Stage moves go through services/licence_moves.matter_move."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from warnings_app.domain import uploads
from warnings_app.domain.deadlines import business_days_after
from warnings_app.models import (
    Company,
    FollowUp,
    LicenceMatter,
    MatterDocument,
    MatterMove,
    MatterNote,
    Notice,
    Response,
)
from warnings_app.models.licences import MatterStage
from warnings_app.selectors.licence_matters import follow_ups_to_restart, open_talks_of
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError
from warnings_app.services.followups import DUE_HOUR
from warnings_app.services.licence_moves import matter_move
from warnings_app.services.stored_files import stored_file_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

OPEN = "warnings_app.add_licencematter"
CHANGE = "warnings_app.change_licencematter"
NOTE = "warnings_app.add_matternote"
DOCUMENT = "warnings_app.add_matterdocument"


def _require(by: "User", permission: str, doing: str) -> None:
    if not by.has_perm(permission):
        raise ServiceError(f"your role may not {doing}")


def _already_open(company: Company) -> ServiceError | None:
    existing = open_talks_of(company.pk)
    if existing is None:
        return None
    return ServiceError(
        f"{company} already has licence talks under way: talks #{existing.pk} "
        f"({MatterStage(existing.stage).label}, opened "
        f"{timezone.localtime(existing.opened_at):%d %b %Y})"
    )


def matter_open(
    *,
    company: Company | None = None,
    by: "User",
    reply: Response | None = None,
    notice: Notice | None = None,
    owner: "User | None" = None,
    next_step: str = "",
    next_step_on: date | None = None,
) -> LicenceMatter:
    """Open licence talks, at the enquiry stage: from a reply classified "requests licence
    talks" (its company; the letter is the first of the series the reply answers), or with a
    company a lawyer picks (optionally about one of its letters, `notice`). Refused, changing
    nothing, for a reply of another class or not tied to a company, or when the company already
    has talks under way."""
    if reply is not None:
        _require(by, OPEN, "open licence talks")
        if reply.outcome != Response.Outcome.REQUESTS_TALKS:
            raise ServiceError(
                f"the reply is classified “{reply.get_outcome_display()}”: only a reply that "
                "requests licence talks opens them"
            )
        if reply.company_id is None:
            raise ServiceError("the reply is not tied to a company: match it to its letter first")
        if company is not None and company.pk != reply.company_id:
            raise ServiceError("the reply is from another company")
        company = reply.company
        notice = reply.notice
    elif company is not None:
        _require(by, CHANGE, "open licence talks with a company (a lawyer decides)")
        if notice is not None and notice.company_id != company.pk:
            raise ServiceError(f"{notice.reference} is a letter to another company")
    else:
        raise ServiceError("say which reply or company the talks are with")
    if company is None:  # never: a reply tied to a company has one
        raise ServiceError("the reply is not tied to a company")
    if notice is not None:  # the talks belong to the series: its first letter
        notice = notice.follows or notice
    if owner is not None and not owner.has_perm(OPEN):
        raise ServiceError(f"{owner} cannot own licence talks")
    refused = _already_open(company)
    if refused:
        raise refused
    try:
        with transaction.atomic():
            now = timezone.now()
            matter = LicenceMatter.objects.create(
                company=company,
                reply=reply,
                notice=notice,
                owner=owner,
                next_step=next_step.strip()[:300],
                next_step_on=next_step_on,
                opened_at=now,
                opened_by=by,
                stage_changed_at=now,
            )
            MatterMove.objects.create(
                matter=matter, from_stage="", to_stage=matter.stage, at=now, by=by
            )
            audit_record(
                actor=by,
                verb="licence_matter.opened",
                target=matter,
                to_state=matter.stage,
                data={
                    "company": company.pk,
                    "reply": reply.pk if reply else None,
                    "notice": notice.reference if notice else None,
                    "owner": owner.username if owner else None,
                },
            )
    except IntegrityError as exc:  # two people opened talks at the same moment
        raise _already_open(company) or ServiceError("licence talks could not be opened") from exc
    return matter


@transaction.atomic
def matter_update_next_step(
    *,
    matter: LicenceMatter,
    by: "User",
    owner: "User | None",
    next_step: str,
    next_step_on: date | None,
) -> LicenceMatter:
    """Who owns the talks, what happens next and by when. The audit event keeps the values
    before."""
    _require(by, CHANGE, "change licence talks")
    if owner is not None and not owner.has_perm(OPEN):
        raise ServiceError(f"{owner} cannot own licence talks")
    if next_step_on is not None and not next_step.strip():
        raise ServiceError("say what the next step is, not only its date")
    locked = LicenceMatter.objects.select_for_update().get(pk=matter.pk)
    before = {
        "owner": locked.owner.username if locked.owner else None,
        "next_step": locked.next_step,
        "next_step_on": locked.next_step_on.isoformat() if locked.next_step_on else None,
    }
    locked.owner = owner
    locked.next_step = next_step.strip()[:300]
    locked.next_step_on = next_step_on
    locked.save(update_fields=["owner", "next_step", "next_step_on"])
    audit_record(
        actor=by,
        verb="licence_matter.next_step_set",
        target=locked,
        data={
            "before": before,
            "owner": owner.username if owner else None,
            "next_step": locked.next_step,
            "next_step_on": next_step_on.isoformat() if next_step_on else None,
        },
    )
    return locked


@transaction.atomic
def matter_note_add(*, matter: LicenceMatter, by: "User", text: str) -> MatterNote:
    """A privileged note on the talks (Legal only). Never edited: a correction is a new note.
    The audit event records that a note was written, not what it says."""
    _require(by, NOTE, "write notes on licence talks")
    if not text.strip():
        raise ServiceError("the note is empty")
    note = MatterNote.objects.create(matter=matter, text=text.strip()[:10000], written_by=by)
    audit_record(
        actor=by,
        verb="licence_matter.note_added",
        target=matter,
        data={"note": note.pk, "length": len(note.text)},
    )
    return note


def matter_document_add(
    *, matter: LicenceMatter, by: "User", description: str, name: str, content: bytes
) -> MatterDocument:
    """A document of the talks (an NDA, a term sheet), checked by its bytes (domain/uploads),
    stored under a generated name with its SHA-256. Refused, storing nothing, when the file is
    not accepted."""
    _require(by, DOCUMENT, "add documents to licence talks")
    if not description.strip():
        raise ServiceError("say what the document is")
    try:
        checked = uploads.check(content, name=name)
    except uploads.UploadRefused as exc:
        raise ServiceError(str(exc)) from exc
    stored = stored_file_save(
        folder="licences/documents", content=content, extension=checked.extension
    )
    try:
        with transaction.atomic():
            document = MatterDocument.objects.create(
                matter=matter,
                description=description.strip()[:300],
                file=stored,
                original_filename=(name or "document")[:255],
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                uploaded_by=by,
            )
            audit_record(
                actor=by,
                verb="licence_matter.document_added",
                target=matter,
                data={
                    "document": document.pk,
                    "filename": document.original_filename,
                    "sha256": checked.sha256,
                    "size": checked.size,
                },
            )
    except Exception:
        default_storage.delete(stored)
        raise
    return document


@transaction.atomic
def matter_decline(
    *, matter: LicenceMatter, by: "User", reason: str, restart_ladder: bool
) -> LicenceMatter:
    """Close the talks without a deal (declined). If the lawyer so decides (`restart_ladder`),
    the warning ladder goes on: the steps the reply or the talks stopped are scheduled again,
    each due the same number of business days after today as it was after the letter was sent,
    and replies received before now no longer stop it."""
    _require(by, CHANGE, "decline licence talks")
    if not reason.strip():
        raise ServiceError("say why the talks ended")
    declined = matter_move(
        matter=matter, to_stage=MatterStage.DECLINED, by=by, reason=reason.strip()[:500]
    )
    if not restart_ladder:
        return declined
    now = timezone.now()
    LicenceMatter.objects.filter(pk=declined.pk).update(
        ladder_restarted_at=now, ladder_restarted_by=by
    )
    declined.refresh_from_db()
    restarted = [_reschedule(f, now, by, declined) for f in follow_ups_to_restart(declined)]
    audit_record(
        actor=by,
        verb="licence_matter.ladder_restarted",
        target=declined,
        data={"company": declined.company_id, "follow_ups": [f.pk for f in restarted]},
    )
    return declined


def _reschedule(follow_up: FollowUp, now: datetime, by: "User", matter: LicenceMatter) -> FollowUp:
    """A stopped step due again, counted from the restart day (the row keeps its place: one row
    per letter and step; the audit event keeps its earlier due date and why it stopped)."""
    country = follow_up.notice.company.country.code
    due = business_days_after(
        timezone.localtime(now).date(), follow_up.step.offset_business_days, country
    )
    due_at = timezone.make_aware(datetime.combine(due.due, DUE_HOUR))
    moved = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUp.Status.CANCELLED).update(
        status=FollowUp.Status.SCHEDULED, due_at=due_at, processed_at=None, cancelled_reason=""
    )
    if moved != 1:
        raise ServiceError(f"the reminder “{follow_up.step.name}” changed meanwhile; try again")
    audit_record(
        actor=by,
        verb="followup.rescheduled",
        target=follow_up.notice,
        data={
            "step": follow_up.step.name,
            "matter": matter.pk,
            "before": {
                "due_at": follow_up.due_at.isoformat(),
                "cancelled_reason": follow_up.cancelled_reason,
            },
            "due_at": due_at.isoformat(),
            "explanation": due.explanation,
        },
    )
    return follow_up
