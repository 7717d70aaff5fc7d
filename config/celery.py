"""The Celery app. Reliability settings follow docs/architecture.md: the database decides, Redis
only wakes workers, so every setting here favours redelivery over loss and never blind
duplication."""

import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("warnings")
app.config_from_object("django.conf:settings", namespace="CELERY")

# The visibility timeout bounds how long Redis waits before redelivering an unacknowledged task.
# It must exceed the longest task plus all its retries, or a slow task is delivered twice.
VISIBILITY_TIMEOUT_SECONDS = 6 * 60 * 60

app.conf.update(
    # JSON only: no pickle, so a message on the broker can never execute code in a worker.
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # Acknowledge after the task body finishes, so a worker that dies mid-task leaves the
    # message to be redelivered; tasks are idempotent because the database guards each step.
    task_acks_late=True,
    # A worker child killed by the OS (OOM, SIGKILL) rejects its message back to the queue
    # instead of acknowledging it as done.
    task_reject_on_worker_lost=True,
    # A few messages per process: a render or a send takes a fraction of a second, so the next
    # one should be at hand when a process frees up; the hoard stays small (a second or two of
    # work) and a lost reservation only delays a letter until the sweeper republishes it.
    worker_prefetch_multiplier=4,
    # Hard and soft limits stop a hung SMTP or render from holding a slot forever; the soft
    # limit lets the task record its state before the hard kill.
    task_soft_time_limit=120,
    task_time_limit=180,
    # Results are not used: outcomes live in the database.
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
        **app.conf.broker_transport_options,
    },
    beat_schedule={
        # Proves the chain beat -> broker -> worker -> database works; /healthz reads it.
        "worker-heartbeat": {"task": "warnings.heartbeat", "schedule": 30.0},
        # Lost messages only delay a letter: the sweeper republishes what no worker holds.
        "sweep-deliveries": {"task": "warnings.sweep", "schedule": settings.SWEEP_EVERY_SECONDS},
        # Follow-ups are rows with a due time; this job picks the due ones (SKIP LOCKED).
        "process-followups": {
            "task": "warnings.followups",
            "schedule": settings.FOLLOWUPS_EVERY_SECONDS,
        },
        # The dashboard reads reporting tables that this rebuilds; it also takes today's
        # snapshot, so each day keeps the figures of its last run.
        "refresh-figures": {
            "task": "warnings.refresh_figures",
            "schedule": settings.DASHBOARD_REFRESH_SECONDS,
        },
        # A preference dated ahead takes effect on its day: the published files follow.
        "publish-reservations": {
            "task": "warnings.publish_reservations",
            "schedule": settings.RESERVATIONS_EVERY_SECONDS,
        },
        # Licences start, near their end or a usage report's due date, and expire by date.
        "licence-dates": {
            "task": "warnings.licence_dates",
            "schedule": settings.LICENCES_EVERY_SECONDS,
        },
        # An artist's receipt queued while the broker was down is found and queued again.
        "requeue-receipts": {"task": "warnings.requeue_receipts", "schedule": 3600.0},
    },
)
if settings.AUDIT_ANCHOR_EVERY_MINUTES > 0:
    # The audit chain's head, timestamped and copied outside the database (0: on demand only).
    app.conf.beat_schedule["anchor-audit-chain"] = {
        "task": "warnings.anchor_audit_chain",
        "schedule": settings.AUDIT_ANCHOR_EVERY_MINUTES * 60.0,
    }
if settings.IMAP_URL:
    # Replies are read from the mailbox on a schedule (manage.py ingest_replies does it by hand).
    app.conf.beat_schedule["ingest-replies"] = {
        "task": "warnings.ingest_replies",
        "schedule": settings.REPLIES_EVERY_SECONDS,
    }
# Celery's Django fixup closes the database connection before and after every task unless this
# is set; a worker then connects once per letter. We keep it (up to CONN_MAX_AGE) and guard it
# ourselves (warnings_app/signals.py): checked before each task, dropped after a task that
# did not succeed.
app.conf.update(CELERY_DB_REUSE_MAX=1000)
app.autodiscover_tasks()
