"""What workers do with a notice after the user's decision: render it, and for campaign and
ladder letters, move the campaign on or send a follow-up that needs no approval."""

import logging

from django.db import transaction

from warnings_app.lifecycle import NoticeStatus
from warnings_app.models import Notice
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import NoticeStateError, ServiceError
from warnings_app.services.rendering import notice_render

logger = logging.getLogger(__name__)


def notice_render_step(*, notice_id: int) -> None:
    """Render a draft notice, then take the steps that follow. Safe to run again after a crash:
    a notice already rendered skips the render and still gets its follow-on steps."""
    notice = (
        Notice.objects.select_related("campaign", "ladder_step", "company", "follows")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None or notice.status not in (NoticeStatus.DRAFT, NoticeStatus.RENDERED):
        return
    if notice.status == NoticeStatus.DRAFT:
        try:
            notice = notice_render(notice=notice, by=None)
        except NoticeStateError:
            return
        except Exception as exc:
            logger.exception("rendering %s failed", notice.reference)
            with transaction.atomic():
                Notice.objects.filter(pk=notice.pk).update(
                    problem=f"rendering failed: {exc}"[:1000]
                )
                audit_record(
                    actor=None,
                    verb="notice.render_failed",
                    target=notice,
                    data={"error": repr(exc)[:500]},
                )
    if notice.campaign_id and notice.ladder_step_id is None:
        from warnings_app.services.campaigns import campaign_generation_check

        campaign_generation_check(campaign_id=notice.campaign_id)
    if notice.ladder_step_id and notice.status == NoticeStatus.RENDERED:
        from warnings_app.services.followups import followup_release

        try:
            followup_release(notice=notice)
        except ServiceError as exc:
            Notice.objects.filter(pk=notice.pk).update(problem=str(exc)[:1000])
