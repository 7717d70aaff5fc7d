from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from warnings_app.domain import audit_chain
from warnings_app.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def audit_event(
    *,
    actor: "User | AnonymousUser | None",
    verb: str,
    target: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """One audit event, not yet saved: give it to audit_record_many with the others. An
    anonymous or absent actor is recorded as none (the system)."""
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )


def audit_record(
    *,
    actor: "User | AnonymousUser | None",
    verb: str,
    target: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event (the arguments of audit_event). Call it inside the transaction
    that makes the change, so the event and the change commit or roll back together."""
    event = audit_event(
        actor=actor,
        verb=verb,
        target=target,
        from_state=from_state,
        to_state=to_state,
        data=data,
    )
    with transaction.atomic():  # the chain lock lasts until the outermost transaction ends
        audit_chain.seal([event])
        event.save(force_insert=True)
    return event


def audit_record_many(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Append many audit events in one statement (a campaign's letters), in the same
    transaction as the change they record. Chained in the order given."""
    events = list(events)
    if not events:
        return []
    with transaction.atomic():
        audit_chain.seal(events)
        return AuditEvent.objects.bulk_create(events)
