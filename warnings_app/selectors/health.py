"""Liveness checks of the parts the system needs: the database, the broker and a worker."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from warnings_app.models import Heartbeat

BROKER_TIMEOUT_SECONDS = 2


def broker_reachable(url: str, transport_options: dict[str, Any] | None = None) -> tuple[bool, str]:
    """(reachable, error class name). Never raises, never waits more than a few seconds."""
    try:
        with Connection(
            url, connect_timeout=BROKER_TIMEOUT_SECONDS, transport_options=transport_options or {}
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        return True, ""
    except Exception as exc:
        return False, exc.__class__.__name__


def check_database() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def check_broker() -> dict[str, object]:
    url = settings.CELERY_BROKER_URL
    ok, error = broker_reachable(url, settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    result: dict[str, object] = {"ok": ok, "transport": url.split("://", 1)[0]}
    if error:
        result["error"] = error
    return result


def check_worker() -> dict[str, object]:
    try:
        fresh, seen_at = heartbeat_is_fresh("worker")
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": fresh, "last_seen": seen_at}


# A beat from the future means a wrong clock, not a live worker; allow a minute of skew.
CLOCK_SKEW = timedelta(seconds=60)


def heartbeat_is_fresh(name: str) -> tuple[bool, str | None]:
    row = Heartbeat.objects.filter(name=name).first()
    if row is None:
        return False, None
    max_age = timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS)
    age = timezone.now() - row.seen_at
    return -CLOCK_SKEW <= age <= max_age, row.seen_at.isoformat()
