from typing import Any

from django.db import models

from warnings_app.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction that makes the change, so the
    event and the change commit or roll back together."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )
