"""Celery entry points: thin, take ids, call one service, say what a re-run does."""

import os
import socket
from typing import TYPE_CHECKING

from celery import shared_task

from warnings_app.services.heartbeats import heartbeat_record

if TYPE_CHECKING:
    from celery import Task


@shared_task(name="warnings.heartbeat")
def heartbeat_task() -> None:
    """Record that a worker took a message off the broker. Re-running only moves the time on."""
    heartbeat_record(name="worker", detail=socket.gethostname())


@shared_task(name="warnings.render_notice", acks_late=True)
def render_notice_task(notice_id: int) -> None:
    """Render one draft notice, then let its campaign or ladder step move on. Safe to run twice:
    a notice that is no longer a draft is left alone. A failed render is recorded on the notice
    (its problem) so the campaign shows it, not retried blindly."""
    from warnings_app.services.pipeline import notice_render_step

    notice_render_step(notice_id=notice_id)


@shared_task(name="warnings.send_notice", acks_late=True)
def send_notice_task(notice_id: int) -> str:
    """Deliver one queued notice. Safe to run twice or after a redelivery: the claim is a
    guarded update, so a notice already claimed, sent or backing off is left alone. Transient
    failures are retried by the sweeper when their backoff ends, not by Celery."""
    from warnings_app.services.delivery.send import notice_deliver

    return notice_deliver(notice_id=notice_id, worker=f"{socket.gethostname()}:{os.getpid()}")


@shared_task(name="warnings.sweep")
def sweep_task() -> dict[str, int]:
    """Republish queued notices and pending renders whose task was lost, and recover expired
    leases. Idempotent."""
    from warnings_app.services.delivery.sweep import notices_sweep
    from warnings_app.services.pipeline import renders_sweep

    return {**notices_sweep(), "renders_republished": renders_sweep()}


@shared_task(name="warnings.followups")
def followups_task() -> dict[str, int]:
    """Process due ladder steps. Two copies at once (two beat schedulers) do each step once."""
    from warnings_app.services.followups import followups_process

    return followups_process()


@shared_task(name="warnings.ingest_replies")
def ingest_replies_task() -> dict[str, int] | dict[str, str]:
    """Read the unseen messages of the IMAP mailbox (IMAP_URL). Idempotent: a message already
    stored is recognised by its Message-ID; one that failed stays unseen for the next run."""
    from django.conf import settings

    from warnings_app.services.replies import replies_ingest_from

    if not settings.IMAP_URL:
        return {"skipped": "IMAP_URL is not set"}
    return replies_ingest_from(imap_url=settings.IMAP_URL)


@shared_task(name="warnings.refresh_figures")
def refresh_figures_task() -> dict[str, int]:
    """Rebuild the dashboard's reporting tables and today's snapshots. Idempotent: a run
    recomputes everything from the letters; two at once queue on a lock."""
    from warnings_app.reports.dashboard.rollup import figures_refresh

    return figures_refresh()


@shared_task(name="warnings.publish_reservations")
def publish_reservations_task() -> dict[str, int | None]:
    """Publish the register's reservations as of today when they differ from the latest
    published version (a statement dated ahead has taken effect, the crawler list changed).
    Idempotent: with nothing changed it stores nothing."""
    from warnings_app.services.reservations import reservations_publish

    publication = reservations_publish()
    return {"published": publication.version if publication else None}


@shared_task(bind=True, name="warnings.send_preference_receipt", acks_late=True, max_retries=8)
def send_preference_receipt_task(self: "Task[[int], str]", statement_id: int) -> str:
    """E-mail the receipt of a preference an artist confirmed through a private link. Safe to
    run twice: a receipt already sent (its audit event) is not sent again. SMTP 4xx and broken
    connections are retried with jittered backoff from 30 s to 10 min (about an hour in all,
    well inside the broker's visibility timeout); the last failure, or a 5xx, is recorded."""
    from celery.utils.time import get_exponential_backoff_interval

    from warnings_app.services.artist_link_parts import ReceiptDeferred
    from warnings_app.services.artist_links import preference_receipt_send

    # max_retries is 8 (above); None would mean retry for ever, so never the final attempt.
    final = self.max_retries is not None and self.request.retries >= self.max_retries
    try:
        return preference_receipt_send(statement_id=statement_id, final=final)
    except ReceiptDeferred as exc:
        wait = get_exponential_backoff_interval(30, self.request.retries, 600, full_jitter=True)
        raise self.retry(exc=exc, countdown=wait) from exc


@shared_task(name="warnings.requeue_receipts")
def requeue_receipts_task() -> dict[str, list[int]]:
    """Queue again the artists' receipts that were neither sent nor given up on (a broker that
    was down when the artist confirmed). Idempotent: a receipt already sent is not sent again."""
    from warnings_app.services.artist_links import receipts_requeue

    return {"queued": receipts_requeue()}


@shared_task(name="warnings.anchor_audit_chain")
def anchor_audit_chain_task() -> dict[str, int | str | None]:
    """Timestamp the audit chain's head and store it as an anchor (AUDIT_ANCHOR_EVERY_MINUTES),
    copied to AUDIT_ANCHOR_EMAIL / AUDIT_ANCHOR_PATH. Idempotent: with nothing new since the
    last anchor it stores nothing; two at once anchor the head once."""
    from warnings_app.services.audit_anchors import anchor_chain_head

    done = anchor_chain_head()
    return {"anchor": done.anchor.pk if done.anchor else None, "message": done.message}


# A large campaign's bundle takes minutes (about 4 s per 1,000 letters on a laptop): the default
# limits (config/celery.py) are for a letter's render or send. The soft limit fails the bundle
# with its reason; EVIDENCE_BUNDLE_STALE_SECONDS (1 hour) lies beyond the hard one.
@shared_task(
    name="warnings.build_evidence_bundle", acks_late=True, soft_time_limit=1800, time_limit=1900
)
def build_evidence_bundle_task(bundle_id: int) -> str:
    """Build one queued evidence bundle into storage. Safe to run twice or after a redelivery:
    the claim is a guarded update, so a bundle already building, ready or failed is left alone."""
    from warnings_app.services.bundles import bundle_build

    return bundle_build(bundle_id=bundle_id)


@shared_task(name="warnings.licence_dates")
def licence_dates_task() -> dict[str, int]:
    """Act on the licences' dates as of today: starts, reminders before an end or a usage
    report, expiry. Idempotent: each reminder and each stage move happens once, however often
    it runs."""
    from warnings_app.services.licence_reminders import licence_dates_run

    return licence_dates_run()
