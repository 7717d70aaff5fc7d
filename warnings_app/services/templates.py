"""Letter templates and their versions: draft -> submitted -> approved (by another lawyer).
Approved and frozen versions never change; editing means a new draft version."""

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from warnings_app.domain.letters.language import template_problems
from warnings_app.models import LetterTemplate, TemplateVersion
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SUBJECT_MAX_CHARS = 300
Status = TemplateVersion.Status


class TemplateInvalid(ServiceError):
    """The template text has problems; `problems` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def template_text_problems(*, subject: str, body: str) -> list[str]:
    problems = [
        f"Subject: {p}"
        for p in template_problems(subject, allow_html=False, max_chars=SUBJECT_MAX_CHARS)
    ]
    if not subject.strip():
        problems.append("Subject: write a subject line.")
    if not body.strip():
        problems.append("Body: the letter has no text.")
    problems += [f"Body: {p}" for p in template_problems(body, allow_html=True)]
    return problems


def _check(subject: str, body: str) -> None:
    problems = template_text_problems(subject=subject, body=body)
    if problems:
        raise TemplateInvalid(problems)


@transaction.atomic
def letter_template_create(
    *, by: "User", subject: str, body: str, layout: str = "standard", **template_fields: Any
) -> TemplateVersion:
    """A new template with its first draft version."""
    _check(subject, body)
    template = LetterTemplate.objects.create(created_by=by, **template_fields)
    version = TemplateVersion.objects.create(
        template=template, number=1, subject=subject, body=body, layout=layout, created_by=by
    )
    audit_record(
        actor=by,
        verb="template.created",
        target=template,
        data={"version_id": version.pk, **{k: str(v) for k, v in template_fields.items()}},
    )
    return version


@transaction.atomic
def template_version_draft(*, template: LetterTemplate, by: "User") -> TemplateVersion:
    """A new draft copied from the newest version. If a draft or submitted version is already
    open, that one is returned instead: one piece of work at a time per template."""
    template = LetterTemplate.objects.select_for_update().get(pk=template.pk)
    versions = template.versions.all()
    open_version = versions.filter(status__in=[Status.DRAFT, Status.SUBMITTED]).first()
    if open_version is not None:
        return open_version
    latest = versions.order_by("-number").first()
    number = (versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = TemplateVersion.objects.create(
        template=template,
        number=number,
        created_by=by,
        subject=latest.subject if latest else "",
        body=latest.body if latest else "",
        layout=latest.layout if latest else "standard",
    )
    audit_record(
        actor=by,
        verb="template_version.drafted",
        target=version,
        to_state=Status.DRAFT,
        data={"copied_from": latest.number if latest else None},
    )
    return version


@transaction.atomic
def template_version_update(
    *, version: TemplateVersion, by: "User", subject: str, body: str, layout: str
) -> TemplateVersion:
    """Change a draft. Refused for any version that is submitted, approved, retired, frozen or
    used by a notice: what a letter was rendered from can never change."""
    if version.notices.exists() or version.frozen_at is not None:
        raise ServiceError(
            f"{version} has been used for letters and can never change; start a new version instead"
        )
    _check(subject, body)
    changed = [
        name
        for name, value in (("subject", subject), ("body", body), ("layout", layout))
        if getattr(version, name) != value
    ]
    moved = TemplateVersion.objects.filter(
        pk=version.pk, status=Status.DRAFT, frozen_at__isnull=True
    ).update(subject=subject, body=body, layout=layout)
    if moved != 1:
        raise ServiceError(
            f"{version} is {version.get_status_display().lower()}; only a draft "
            "can be edited — start a new version instead"
        )
    if changed:
        version.edited_by.add(by)
        audit_record(
            actor=by, verb="template_version.edited", target=version, data={"fields": changed}
        )
    version.refresh_from_db()
    return version


def _move(
    version: TemplateVersion,
    *,
    by: "User",
    source: str,
    target: str,
    verb: str,
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> TemplateVersion:
    moved = TemplateVersion.objects.filter(pk=version.pk, status=source).update(
        status=target, **fields
    )
    if moved != 1:
        version.refresh_from_db()
        raise ServiceError(
            f"{version} is {version.get_status_display().lower()}, not "
            f"{Status(source).label.lower()}"
        )
    audit_record(actor=by, verb=verb, target=version, from_state=source, to_state=target, data=data)
    version.refresh_from_db()
    return version


@transaction.atomic
def template_version_submit(*, version: TemplateVersion, by: "User") -> TemplateVersion:
    _check(version.subject, version.body)
    return _move(
        version,
        by=by,
        source=Status.DRAFT,
        target=Status.SUBMITTED,
        verb="template_version.submitted",
        submitted_by=by,
        submitted_at=timezone.now(),
    )


@transaction.atomic
def template_version_approve(*, version: TemplateVersion, by: "User") -> TemplateVersion:
    """submitted -> approved, by a lawyer who neither opened, edited nor submitted it. The
    version it replaces is retired: notices already pinned to it keep it."""
    if by.pk in (version.created_by_id, version.submitted_by_id):
        raise ServiceError(
            "a version must be approved by a different lawyer than its author and submitter"
        )
    if version.edited_by.filter(pk=by.pk).exists():
        raise ServiceError(
            "you edited this version's text, so a different lawyer must approve it "
            "(four eyes: nobody who wrote any of the wording approves it)"
        )
    _check(version.subject, version.body)
    approved = _move(
        version,
        by=by,
        source=Status.SUBMITTED,
        target=Status.APPROVED,
        verb="template_version.approved",
        approved_by=by,
        approved_at=timezone.now(),
    )
    for old in version.template.versions.filter(status=Status.APPROVED).exclude(pk=version.pk):
        _move(
            old,
            by=by,
            source=Status.APPROVED,
            target=Status.RETIRED,
            verb="template_version.retired",
            data={"replaced_by": version.number},
        )
    return approved


@transaction.atomic
def template_version_reject(
    *, version: TemplateVersion, by: "User", reason: str
) -> TemplateVersion:
    if not reason.strip():
        raise ServiceError("say what needs to change")
    return _move(
        version,
        by=by,
        source=Status.SUBMITTED,
        target=Status.DRAFT,
        verb="template_version.rejected",
        data={"reason": reason.strip()},
        submitted_by=None,
        submitted_at=None,
    )


@transaction.atomic
def template_version_delete(*, version: TemplateVersion, by: "User") -> None:
    if version.notices.exists() or version.frozen_at is not None:
        raise ServiceError(f"{version} has been used for letters and can never be deleted")
    if version.status != Status.DRAFT:
        raise ServiceError(
            f"{version} is {version.get_status_display().lower()}; only an "
            "unused draft can be deleted"
        )
    audit_record(
        actor=by,
        verb="template_version.deleted",
        target=version,
        data={"subject": version.subject, "body": version.body},
    )
    TemplateVersion.objects.filter(pk=version.pk, status=Status.DRAFT).delete()
