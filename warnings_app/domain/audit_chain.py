"""The audit log as a hash chain: each event stores the hash of the one before it and its own
hash over that link and its fields, so changing, removing or inserting a row afterwards shows.

hash = sha256(prev_hash + canonical JSON of id, created_at (ISO, UTC), actor_id, verb,
target_type, target_id, target_repr, from_state, to_state, data). `data` is hashed as the
database gives it back (DjangoJSONEncoder, then parsed), so the hash can be recomputed from
the stored row alone. The first event links to 64 zeros.

Writers append under one PostgreSQL advisory lock, taken inside the writing transaction and
held until it ends: the head read under it is the last committed event, so two writers can
never link to the same predecessor. Ids are drawn under the same lock, so id order is chain
order for every committed row."""

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

if TYPE_CHECKING:
    from warnings_app.models import AuditEvent

GENESIS = "0" * 64
LOCK_KEY = 0x617564697400  # "audit\0": any constant every writer agrees on
FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "verb",
    "target_type",
    "target_id",
    "target_repr",
    "from_state",
    "to_state",
    "data",
)
TABLE = "warnings_app_auditevent"


_STORE = DjangoJSONEncoder()
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stored_data(value: Any) -> Any:
    """`data` as the JSONField stores it (DjangoJSONEncoder) and gives it back. Whole-number
    floats become ints, written as their shortest decimal: PostgreSQL's jsonb keeps numbers
    as decimals and gives 1e20 back as 100000000000000000000."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return int(Decimal(repr(value))) if value.is_integer() else value
    if isinstance(value, dict):
        return {_key(k): stored_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [stored_data(item) for item in value]
    return stored_data(_STORE.default(value))


def _key(key: Any) -> str:
    """A dict key as JSON writes it: 1 -> "1", None -> "null"."""
    return key if isinstance(key, str) else next(iter(json.loads(json.dumps({key: 0}))))


def canonical(row: Mapping[str, Any]) -> str:
    """The event's fields (by attribute name) as one canonical JSON text."""
    moment: datetime = row["created_at"]
    values = {name: row[name] for name in FIELDS}
    values["created_at"] = moment.astimezone(UTC).isoformat()
    values["target_id"] = str(values["target_id"])
    values["data"] = stored_data(values["data"])
    return _CANONICAL.encode(values)


def event_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(row)).encode("utf-8")).hexdigest()


def lock() -> None:
    """Serialise chain writers until the calling transaction ends (PostgreSQL; SQLite already
    allows one writer at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def head() -> tuple[int, str]:
    """The last event's id and hash (0 and GENESIS on an empty log). Call after lock()."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, hash FROM {TABLE} ORDER BY id DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def _new_ids(count: int, after: int) -> list[int]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [TABLE, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
    return list(range(after + 1, after + 1 + count))


def seal(events: list["AuditEvent"]) -> None:
    """Give unsaved AuditEvents their ids, times and links, in list order. Must run inside the
    transaction that inserts them, immediately before the insert: it takes the chain lock."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be sealed inside a transaction")
    lock()
    last_id, prev = head()
    now = timezone.now()
    for event, pk in zip(events, _new_ids(len(events), last_id), strict=True):
        event.id = pk
        if event.created_at is None:
            event.created_at = now
        event.prev_hash = prev
        event.hash = prev = event_hash(prev, event.__dict__)


def sealed_rows(
    rows: Iterable[dict[str, Any]], prev: str, after: int = 0
) -> Iterator[dict[str, Any]]:
    """Row dicts with their own ids, linked on from `prev`, the hash of event `after` — for
    bulk loaders, which must hold lock() and give ids rising past `after`."""
    for row in rows:
        if row["id"] <= after:
            raise ValueError(f"audit event id {row['id']} does not follow {after}")
        after = row["id"]
        digest = event_hash(prev, row)
        yield {**row, "prev_hash": prev, "hash": digest}
        prev = digest


@dataclass(frozen=True)
class Break:
    id: int
    verb: str
    problem: str

    def __str__(self) -> str:
        return f"audit event {self.id} ({self.verb}): {self.problem}"


def verify(rows: Iterable[Mapping[str, Any]]) -> Iterator[Break]:
    """Every break in rows read in id order (each with FIELDS, prev_hash and hash)."""
    prev = GENESIS
    for row in rows:
        if row["prev_hash"] != prev:
            yield Break(row["id"], row["verb"], "its prev_hash is not the previous event's hash")
        if event_hash(row["prev_hash"], row) != row["hash"]:
            yield Break(row["id"], row["verb"], "its contents do not match its hash")
        prev = row["hash"]
