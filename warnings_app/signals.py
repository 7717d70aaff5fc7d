"""Celery process signals. No domain logic lives here."""

import logging
import socket

from celery.signals import task_postrun, task_prerun, worker_ready
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)


@worker_ready.connect
def record_worker_start(**_kwargs: object) -> None:
    from warnings_app.services.heartbeats import heartbeat_record

    try:
        heartbeat_record(name="worker", detail=f"started on {socket.gethostname()}")
    except Exception:  # the worker must still start if the database is briefly unreachable
        logger.exception("could not record the worker heartbeat at start-up")
    finally:
        connections.close_all()  # the main process runs no tasks: it keeps no connection


# Worker processes keep their database connection between tasks (config/celery.py).


@task_prerun.connect
def check_database_connection(**_kwargs: object) -> None:
    # With CONN_HEALTH_CHECKS the next query first proves the connection still works (a
    # restarted database, a dropped socket) and reconnects if not.
    close_old_connections()


@task_postrun.connect
def drop_database_connection_after_failure(state: str | None = None, **_kwargs: object) -> None:
    # A task stopped by a time limit may have been interrupted inside a query: never reuse that.
    if state != "SUCCESS":
        connections.close_all()
