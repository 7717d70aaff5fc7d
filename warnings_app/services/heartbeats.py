"""Background processes report that they are alive; /healthz reads the reports
(selectors/health.py)."""

from django.utils import timezone

from warnings_app.models import Heartbeat


def heartbeat_record(*, name: str, detail: str = "") -> None:
    """Upsert the row for `name`. Not audited: it is liveness bookkeeping, not a change of state."""
    Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now(), "detail": detail[:200]}
    )
