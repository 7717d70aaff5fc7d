"""Background processes report that they are alive; /healthz reads the reports."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from warnings_app.models import Heartbeat

CLOCK_SKEW = timedelta(seconds=60)


def heartbeat_record(*, name: str, detail: str = "") -> None:
    """Upsert the row for `name`. Not audited: it is liveness bookkeeping, not a change of state."""
    Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now(), "detail": detail[:200]}
    )


def heartbeat_is_fresh(name: str) -> tuple[bool, str | None]:
    row = Heartbeat.objects.filter(name=name).first()
    if row is None:
        return False, None
    max_age = timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS)
    age = timezone.now() - row.seen_at
    # A beat from the future means a wrong clock, not a live worker; allow a minute of skew.
    return -CLOCK_SKEW <= age <= max_age, row.seen_at.isoformat()
