"""Celery process signals. No domain logic lives here."""

import logging
import socket

from celery.signals import worker_ready

logger = logging.getLogger(__name__)


@worker_ready.connect
def record_worker_start(**_kwargs: object) -> None:
    from warnings_app.heartbeats import heartbeat_record

    try:
        heartbeat_record(name="worker", detail=f"started on {socket.gethostname()}")
    except Exception:  # the worker must still start if the database is briefly unreachable
        logger.exception("could not record the worker heartbeat at start-up")
