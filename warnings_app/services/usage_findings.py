"""A usage finding becomes a letter to the licensee: a draft notice about the licence
(Notice.licence, so it may go to a licensed company), from an approved template version the
lawyer picks, scheduling the finding's work; rendered at once with the render service, so its
PDF exists; then it waits for a second person's approval like every letter (four eyes)."""

from typing import TYPE_CHECKING

from django.db import transaction

from warnings_app.models import Notice, Principal, TemplateVersion, Work
from warnings_app.models.usage import UsageFinding
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError
from warnings_app.services.notices import notice_create
from warnings_app.services.pipeline import notice_render_step

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _principals(finding: UsageFinding, work: Work | None) -> list[Principal]:
    """Whom the letter is sent for: the work's rights holder; without a work (an overdue
    report), the principals the licence names, else those of the works it includes."""
    if work is not None:
        return [work.principal]
    licence = finding.licence
    named = list(licence.principals.order_by("pk"))
    if named:
        return named
    return list(
        Principal.objects.filter(
            works__in=Work.objects.filter(
                pk__in=licence.work_rows.filter(included=True).values("work_id")
            )
        )
        .distinct()
        .order_by("pk")
    )


def usage_finding_notice(
    *, finding: UsageFinding, template_version: TemplateVersion, by: "User"
) -> Notice:
    """Make the finding's letter and render it. Refused when the finding already has a letter
    (two lawyers at once: the second is told, and nothing is made twice). Rendered as the render
    task renders (services/pipeline.notice_render_step): if it fails, the draft stays with the
    finding, its problem recorded and audited."""
    work = finding.row.work if finding.row is not None else None
    principals = _principals(finding, work)
    if not principals:
        raise ServiceError("the licence names no rights holder to send the letter for")
    with transaction.atomic():
        notice = notice_create(
            company=finding.licence.company,
            template_version=template_version,
            by=by,
            principals=principals,
            works=[work] if work is not None else [],
            licence=finding.licence,
        )
        kept = UsageFinding.objects.filter(pk=finding.pk, notice__isnull=True).update(notice=notice)
        if kept != 1:
            raise ServiceError("a letter has already been made from this finding")
        audit_record(
            actor=by,
            verb="usage_finding.notice_made",
            target=finding,
            data={
                "licence_id": finding.licence_id,
                "notice_id": notice.pk,
                "reference": notice.reference,
                "kind": finding.kind,
            },
        )
    notice_render_step(notice_id=notice.pk)  # a failure is kept on the notice as its problem
    finding.notice = Notice.objects.get(pk=notice.pk)
    return finding.notice
