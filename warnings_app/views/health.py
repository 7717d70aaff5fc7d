"""GET /healthz: database, broker and worker status as JSON, for monitors and the run script."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from warnings_app.heartbeats import heartbeat_is_fresh


def _database() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def _broker() -> dict[str, object]:
    transport = celery_app.conf.broker_url.split("://", 1)[0]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}


def _worker() -> dict[str, object]:
    try:
        fresh, seen_at = heartbeat_is_fresh("worker")
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": fresh, "last_seen": seen_at}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when everything answers, 503 otherwise. Reveals no addresses or credentials."""
    checks = {"database": _database(), "broker": _broker(), "worker": _worker()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks},
                        status=200 if healthy else 503)
