"""Every change of a notice's state. Each one is a guarded UPDATE that must move exactly one row
from the state the caller saw, and writes exactly one audit event in the same transaction."""

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models.fields.mixins import FieldCacheMixin
from django.utils import timezone

from warnings_app.domain.licences import warning_blocked
from warnings_app.models import (
    AuditEvent,
    Campaign,
    Company,
    Contact,
    Notice,
    Principal,
    TemplateVersion,
    Work,
)
from warnings_app.models.lifecycle import TRANSITIONS, NoticeStatus
from warnings_app.services.audit import audit_event, audit_record, audit_record_many
from warnings_app.services.errors import NoticeStateError, ServiceError
from warnings_app.services.references import reference_allocate, reference_allocate_many

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _draft(
    *,
    company: Company,
    template_version: TemplateVersion,
    by: "User | None",
    reference: str,
    contact: Contact | None = None,
    channels: list[str] | None = None,
    **links: Any,
) -> Notice:
    """An unsaved draft notice, after the checks every new notice must pass."""
    if template_version.status != TemplateVersion.Status.APPROVED:
        raise ServiceError(f"{template_version} is not approved for use")
    blocked = "" if links.get("licence") else warning_blocked(company.pk, timezone.localdate())
    if blocked:
        raise ServiceError(f"{company}: {blocked}")
    if contact is not None and contact.company_id != company.pk:
        raise ServiceError(f"{contact} is not a contact of {company}")
    return Notice(
        reference=reference,
        company=company,
        contact=contact,
        addressed_to_counsel=contact is not None and contact.role == Contact.Role.COUNSEL_OF_RECORD,
        template_version=template_version,
        channels=channels or [Notice.Channel.EMAIL],
        created_by=by if by is not None and by.is_authenticated else None,
        status_changed_at=timezone.now(),
        **links,
    )


def _created_event(notice: Notice, by: "User | None") -> AuditEvent:
    return audit_event(
        actor=by,
        verb="notice.created",
        target=notice,
        to_state=notice.status,
        data={"company_id": notice.company_id, "template_version_id": notice.template_version_id},
    )


@transaction.atomic
def notice_create(
    *,
    company: Company,
    template_version: TemplateVersion,
    by: "User | None",
    contact: Contact | None = None,
    channels: list[str] | None = None,
    principals: list[Principal] | None = None,
    works: list[Work] | None = None,
    **links: Any,
) -> Notice:
    """A new draft notice with the next reference. `links` may set campaign, ladder_step and
    follows; principals and works default to the campaign's. Refuses a template version that is
    not approved and a company that must not be written to."""
    notice = _draft(
        company=company,
        template_version=template_version,
        by=by,
        reference=reference_allocate(),
        contact=contact,
        channels=channels,
        **links,
    )
    campaign = links.get("campaign")
    if principals is None:
        principals = list(campaign.principals.all()) if campaign else []
    if not principals:
        raise ServiceError("a letter is sent on someone's behalf: choose at least one principal")
    notice.save()
    notice.principals.set(principals)
    notice.works.set(works if works is not None else (campaign.works.all() if campaign else []))
    audit_record_many([_created_event(notice, by)])
    return notice


@transaction.atomic
def notice_create_many(
    *,
    companies: list[Company],
    template_version: TemplateVersion,
    by: "User | None",
    channels: list[str],
    principals: list[Principal],
    works: list[Work],
    campaign: Campaign,
    **fields: Any,
) -> list[Notice]:
    """One draft notice per company for a campaign, with consecutive references, in a handful
    of queries rather than a dozen per letter. The same checks and audit events as
    notice_create."""
    if not principals:
        raise ServiceError("a letter is sent on someone's behalf: choose at least one principal")
    references = reference_allocate_many(len(companies))
    notices = Notice.objects.bulk_create(
        _draft(
            company=company,
            template_version=template_version,
            by=by,
            reference=reference,
            channels=channels,
            campaign=campaign,
            **fields,
        )
        for company, reference in zip(companies, references, strict=True)
    )
    Notice.principals.through.objects.bulk_create(
        Notice.principals.through(notice_id=n.pk, principal_id=p.pk)
        for n in notices
        for p in principals
    )
    Notice.works.through.objects.bulk_create(
        Notice.works.through(notice_id=n.pk, work_id=w.pk) for n in notices for w in works
    )
    audit_record_many(_created_event(n, by) for n in notices)
    return notices


# Transitions with rules of their own go only through their own service.
DEDICATED = {
    "approve": "notice_approve",
    "withdraw": "notice_withdraw",
    "render": "notice_render",
    "rerender": "notice_render",
}


def notice_transition(
    *,
    notice: Notice,
    transition: str,
    by: "User | None",
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> Notice:
    """Apply one named transition from `lifecycle.TRANSITIONS`, also setting `fields`; see
    `apply_transition`. Refuses the transitions that have a dedicated service."""
    if transition in DEDICATED:
        raise ValueError(f"use {DEDICATED[transition]}() for “{transition}”: it has its own rules")
    return apply_transition(notice=notice, transition=transition, by=by, data=data, **fields)


@transaction.atomic
def apply_transition(
    *,
    notice: Notice,
    transition: str,
    by: "User | None",
    data: dict[str, Any] | None = None,
    guard: dict[str, Any] | None = None,
    **fields: Any,
) -> Notice:
    """Apply one named transition, for services of this package only. `guard` adds conditions
    the row must still meet (a worker's lease, for one).

    The update is guarded on the state the caller saw: if another user or worker moved the
    notice in the meantime nothing changes and NoticeStateError says so. Re-running a transition
    that already happened therefore fails cleanly instead of repeating it."""
    step = TRANSITIONS.get(transition)
    if step is None:
        raise ValueError(f"unknown notice transition {transition!r}")
    seen = notice.status
    if not step.allows(seen):
        allowed = ", ".join(sorted(NoticeStatus(s).label.lower() for s in step.sources))
        raise NoticeStateError(
            f"notice {notice.reference} is {NoticeStatus(seen).label.lower()}; "
            f"“{transition.replace('_', ' ')}” needs it to be {allowed}"
        )
    now = timezone.now()
    moved = Notice.objects.filter(pk=notice.pk, status=seen, **(guard or {})).update(
        status=step.target, status_changed_at=now, **fields
    )
    if moved != 1:
        raise NoticeStateError(
            f"notice {notice.reference} was changed by someone else; reload and try again"
        )
    audit_record(
        actor=by, verb=step.verb, target=notice, from_state=seen, to_state=step.target, data=data
    )
    _reload(notice)
    return notice


def _reload(notice: Notice) -> None:
    """Read the row again after an UPDATE, keeping the related objects already loaded (company,
    template version, campaign) when the update did not point the notice elsewhere."""
    loaded = [
        (field, field.get_cached_value(notice))
        for field in notice._meta.concrete_fields
        # (every concrete relation, a ForeignKey, caches its object through FieldCacheMixin)
        if field.is_relation and isinstance(field, FieldCacheMixin) and field.is_cached(notice)
    ]
    notice.refresh_from_db()
    for field, related in loaded:
        if related is not None and getattr(notice, field.attname) == related.pk:
            field.set_cached_value(notice, related)


@transaction.atomic
def apply_transition_many(
    *, notices: list[Notice], transition: str, by: "User | None", **fields: Any
) -> list[Notice]:
    """The same transition for many notices in one transaction (a campaign's approval or
    sending): the rows are locked, each must be in a source state, one UPDATE moves them all,
    and each gets its own audit event. Either all move or none does."""
    step = TRANSITIONS[transition]
    ids = [n.pk for n in notices]
    locked = dict(Notice.objects.select_for_update().filter(pk__in=ids).values_list("pk", "status"))
    wrong = [n.reference for n in notices if not step.allows(locked.get(n.pk, ""))]
    if wrong:
        raise NoticeStateError(f"not all letters can be moved: {', '.join(wrong[:10])} changed")
    now = timezone.now()
    Notice.objects.filter(pk__in=ids).update(status=step.target, status_changed_at=now, **fields)
    audit_record_many(
        audit_event(
            actor=by, verb=step.verb, target=n, from_state=locked[n.pk], to_state=step.target
        )
        for n in notices
    )
    return notices


def notice_approve(*, notice: Notice, by: "User") -> Notice:
    """rendered -> approved. The approver must not be the author (four eyes)."""
    if notice.created_by_id is not None and notice.created_by_id == getattr(by, "pk", None):
        raise NoticeStateError("the author of a notice cannot approve it")
    if not getattr(by, "is_authenticated", False):
        raise NoticeStateError("a notice is approved by a signed-in lawyer, never automatically")
    return apply_transition(
        notice=notice, transition="approve", by=by, approved_by=by, approved_at=timezone.now()
    )


def notice_withdraw(*, notice: Notice, by: "User", reason: str) -> Notice:
    """Take a notice back before it is sent. A reason is required and kept in the audit log."""
    if not reason.strip():
        raise ServiceError("say why the notice is withdrawn")
    return apply_transition(
        notice=notice, transition="withdraw", by=by, data={"reason": reason.strip()}
    )
