"""The delivery sweeper: recovers what no worker holds any more. A notice whose lease ran out
while sending is released, retried or parked by how far its attempt got; a queued notice whose
task never ran (a lost or flushed broker message), or whose backoff after a transient failure
has ended, is published again."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from warnings_app.models import DeliveryAttempt, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.delivery.queue import CAMPAIGN_HELD, EMAIL, publish_on_commit
from warnings_app.services.delivery.send import attempt_finish
from warnings_app.services.errors import NoticeStateError
from warnings_app.services.notices import apply_transition

Outcome = DeliveryAttempt.Outcome
REPUBLISH_AFTER = timedelta(minutes=2)


def notices_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Recover what workers lost: notices whose lease ran out while sending, and queued notices
    whose task never ran (a lost or flushed broker message). Safe to run from several places
    at once: every change is guarded on the expired lease it found."""
    now = now or timezone.now()
    recovered = 0
    stale = Notice.objects.filter(status=NoticeStatus.SENDING, lease_expires_at__lt=now)
    for notice in stale.select_related("company", "template_version")[:500]:
        guard = {"lease_owner": notice.lease_owner, "lease_expires_at__lt": now}
        attempt = notice.deliveries.filter(channel=EMAIL, outcome=Outcome.PENDING).last()
        try:
            if attempt is None:
                apply_transition(
                    notice=notice,
                    transition="release",
                    by=None,
                    guard=guard,
                    data={"reply": "lease expired before any attempt"},
                    lease_owner="",
                    lease_expires_at=None,
                    next_attempt_at=None,
                )
            elif attempt.phase == "content":
                attempt_finish(
                    notice,
                    attempt,
                    "unknown",
                    "worker stopped after handing the message over; the server's answer is unknown",
                    guard=guard,
                )
            else:
                attempt_finish(
                    notice,
                    attempt,
                    "transient",
                    "worker stopped before handing the message over",
                    guard=guard,
                )
                # Nothing reached the server: try again at once rather than after a backoff.
                Notice.objects.filter(pk=notice.pk, status=NoticeStatus.QUEUED).update(
                    next_attempt_at=None
                )
            recovered += 1
        except NoticeStateError:
            continue  # the worker finished, or another sweeper recovered it meanwhile
    due = (
        Notice.objects.filter(status=NoticeStatus.QUEUED, company__hold_automation=False)
        .exclude(campaign__status__in=CAMPAIGN_HELD)
        .exclude(next_attempt_at__gt=now)
        .filter(
            # Never published, or published long enough ago that its message must be lost, or
            # last published before its current backoff began: a retry after a transient
            # failure leaves as soon as the backoff ends, not REPUBLISH_AFTER later.
            Q(enqueued_at__isnull=True)
            | Q(enqueued_at__lte=now - REPUBLISH_AFTER)
            | Q(enqueued_at__lt=F("next_attempt_at"))
        )
    )
    ids = [pk for pk, channels in due.values_list("pk", "channels")[:2000] if EMAIL in channels]
    with transaction.atomic():
        Notice.objects.filter(pk__in=ids, status=NoticeStatus.QUEUED).update(enqueued_at=now)
        publish_on_commit(ids)
    return {"recovered": recovered, "republished": len(ids)}
