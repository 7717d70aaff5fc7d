from collections.abc import Iterable
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from warnings_app.domain import audit_chain
from warnings_app.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


# What the current request acts through, when it is not a person's browser session: an API token
# ("api token CRM sync (3f9a61c2…)"). Set by the token authentication class for the length of one
# request (api/tokens.py); every event recorded meanwhile carries it as data["api_token"].
#
# Why a context variable rather than a `via=` argument: events are written deep inside services
# (a campaign's letters, a reply's classification) that the API calls with `by=user` exactly as
# the pages do. Threading a token through every service signature would touch them all and be
# forgotten by the next one; the actor is still passed explicitly, this only says how that actor
# came in. A context variable is per thread (and per asyncio task), so concurrent requests never
# see each other's token, and the middleware that opens the scope closes it after the response.
_acting_through: ContextVar[str | None] = ContextVar("audit_acting_through", default=None)


def begin_request_scope() -> "Token[str | None]":
    """A request starts attributed to nothing, whatever an earlier request on this thread set;
    end_request_scope(<the returned value>) after the response restores what was before."""
    return _acting_through.set(None)


def act_through(credential: str) -> None:
    """Attribute the events recorded from now until the end of the request scope to
    `credential` (never a secret: a name and a key prefix)."""
    _acting_through.set(credential)


def end_request_scope(scope: "Token[str | None]") -> None:
    _acting_through.reset(scope)


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
        data=_with_credential(data or {}),
    )


def _with_credential(data: dict[str, Any]) -> dict[str, Any]:
    credential = _acting_through.get()
    if credential is None or "api_token" in data:
        return data
    return {**data, "api_token": credential}


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
