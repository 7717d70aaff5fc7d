"""Reading the audit chain's anchors for verification: the stored ones with their timestamp
tokens checked, and — when AUDIT_ANCHOR_PATH is set — the write-once copies on disk compared
with them. The rule that relates an anchor to the chain is domain/audit_anchors.py."""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings

from warnings_app.domain import audit_anchors
from warnings_app.domain.audit_anchors import Anchor, AnchorFile
from warnings_app.integrations.timestamps import check_timestamp_token
from warnings_app.models import AuditAnchor


@dataclass
class AnchorsFound:
    """Every anchor to hold the chain to (stored, and on disk only), and the problems found
    between the database and the files."""

    anchors: list[Anchor] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stored: int = 0
    files: int = 0


def _checked(
    *,
    number: int,
    event_id: int,
    event_hash: str,
    stamped: bytes,
    stamped_at: datetime,
    token: bytes,
    source: str = "",
) -> Anchor:
    check = check_timestamp_token(token, stamped)
    return Anchor(
        number=number,
        event_id=event_id,
        event_hash=event_hash,
        stamped=stamped,
        stamped_at=stamped_at,
        token_problem="" if check.valid else (check.problem or "invalid"),
        token_time=check.time if check.valid else None,
        source=source,
    )


def anchors_to_verify(directory: str | None = None) -> AnchorsFound:
    """The stored anchors, tokens checked; then the files in `directory` (default
    AUDIT_ANCHOR_PATH; none when unset) compared with them. A file whose anchor is not in the
    database is itself an anchor to verify, and named as deleted."""
    found = AnchorsFound()
    stored: dict[int, AuditAnchor] = {}
    for anchor in AuditAnchor.objects.order_by("pk").iterator(chunk_size=500):
        stored[anchor.pk] = anchor
        found.anchors.append(
            _checked(
                number=anchor.pk,
                event_id=anchor.event_id,
                event_hash=anchor.event_hash,
                stamped=bytes(anchor.stamped),
                stamped_at=anchor.stamped_at,
                token=bytes(anchor.token),
            )
        )
    found.stored = len(stored)
    directory = settings.AUDIT_ANCHOR_PATH if directory is None else directory
    if not directory:
        return found
    on_disk: set[int] = set()
    for path in sorted(Path(directory).glob(audit_anchors.FILE_PATTERN)):
        found.files += 1
        try:
            copy = audit_anchors.parse_file(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            found.problems.append(f"anchor file {path}: {exc}")
            continue
        on_disk.add(copy.number)
        row = stored.get(copy.number)
        if row is None:
            found.problems.append(
                f"anchor #{copy.number} (head event {copy.event_id} {copy.event_hash[:12]}…) "
                f"is in {path} but not in the database (deleted anchor)"
            )
            found.anchors.append(
                _checked(
                    number=copy.number,
                    event_id=copy.event_id,
                    event_hash=copy.event_hash,
                    stamped=copy.stamped,
                    stamped_at=copy.stamped_at,
                    token=copy.token,
                    source=f"file {path.name} only",
                )
            )
        elif differs := _differences(copy, row):
            found.problems.append(
                f"anchor #{row.pk}: the database and {path} differ in {', '.join(differs)}"
            )
    for number, row in stored.items():
        if row.file_path and number not in on_disk and not Path(row.file_path).is_file():
            found.problems.append(f"anchor #{number}: its file {row.file_path} is missing")
    return found


def _differences(copy: AnchorFile, row: AuditAnchor) -> list[str]:
    pairs = {
        "event id": (copy.event_id, row.event_id),
        "event hash": (copy.event_hash, row.event_hash),
        "stamped bytes": (copy.stamped, bytes(row.stamped)),
        "time": (copy.stamped_at, row.stamped_at),
        "token": (copy.token, bytes(row.token)),
    }
    return [name for name, (a, b) in pairs.items() if a != b]
