"""What workers do with a notice after the user's decision: render it, and for campaign and
ladder letters, move the campaign on or send a follow-up that needs no approval."""

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from warnings_app.models import Campaign, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import NoticeStateError, ServiceError
from warnings_app.services.rendering import notice_render

if TYPE_CHECKING:
    from celery.contrib.django.task import DjangoTask

logger = logging.getLogger(__name__)
# A render task not done by then is taken as lost (a flushed broker, a worker killed with
# messages in hand) and published again; running one twice is harmless.
RENDER_REPUBLISH_AFTER = timedelta(minutes=10)


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


def renders_sweep(*, now: datetime | None = None) -> int:
    """Publish again the render tasks of campaign and ladder letters still drafts long after
    theirs left. Returns how many."""
    from warnings_app.tasks import render_notice_task

    now = now or timezone.now()
    waiting = Notice.objects.filter(
        Q(campaign__status=Campaign.Status.GENERATING) | Q(ladder_step__isnull=False),
        status=NoticeStatus.DRAFT,
        problem="",
        enqueued_at__lt=now - RENDER_REPUBLISH_AFTER,
    )
    with transaction.atomic():
        locked = waiting.select_for_update(skip_locked=True, of=("self",))
        ids = list(locked.values_list("pk", flat=True)[:2000])
        Notice.objects.filter(pk__in=ids).update(enqueued_at=now)
        # Celery's Django fixup makes every task a DjangoTask; shared_task's stubs do not say so.
        render = cast("DjangoTask[[int], None]", render_notice_task)
        for notice_id in ids:
            render.delay_on_commit(notice_id)
    return len(ids)
