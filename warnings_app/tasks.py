"""Celery entry points: thin, take ids, call one service, say what a re-run does."""

import socket

from celery import shared_task

from warnings_app.heartbeats import heartbeat_record


@shared_task(name="warnings.heartbeat")
def heartbeat_task() -> None:
    """Record that a worker took a message off the broker. Re-running only moves the time on."""
    heartbeat_record(name="worker", detail=socket.gethostname())
