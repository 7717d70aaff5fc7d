"""Celery entry points: thin, take ids, call one service, say what a re-run does."""

import socket

from celery import shared_task

from warnings_app.heartbeats import heartbeat_record


@shared_task(name="warnings.heartbeat")
def heartbeat_task() -> None:
    """Record that a worker took a message off the broker. Re-running only moves the time on."""
    heartbeat_record(name="worker", detail=socket.gethostname())


@shared_task(name="warnings.render_notice", acks_late=True)
def render_notice_task(notice_id: int) -> None:
    """Render one draft notice. Safe to run twice: a notice that is no longer a draft (already
    rendered by an earlier run, approved, withdrawn) is left alone."""
    from warnings_app.lifecycle import NoticeStatus
    from warnings_app.models import Notice
    from warnings_app.services import notice_render

    notice = Notice.objects.filter(pk=notice_id, status=NoticeStatus.DRAFT).first()
    if notice is not None:
        notice_render(notice=notice, by=None)
