"""Anchoring the audit chain: its head (event id and hash) is timestamped by the timestamp
authority, stored as an AuditAnchor, and copied outside the database — e-mailed to
AUDIT_ANCHOR_EMAIL and/or written as a write-once file into AUDIT_ANCHOR_PATH. Run by beat
(AUDIT_ANCHOR_EVERY_MINUTES), `manage.py anchor_audit_chain` and the audit log's button.

The anchoring is itself audited ("audit.anchored"), after the head it anchors: an anchor of
head N is followed by its event N+1, which the next anchor covers. Those events alone do not
call for a new anchor, so an idle system is not anchored again and again.

The copies are made inside the transaction that stores the anchor, before it commits: a copy
that fails rolls the anchor back. Only a commit failing after both copies were made would leave
a copy without its anchor, and verify_integrity names such a file ("not in the database")."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction

from warnings_app.domain import audit_anchors, audit_chain
from warnings_app.integrations.emails import sender_address
from warnings_app.integrations.timestamps import (
    TimestampError,
    check_timestamp_token,
    timestamp_token,
)
from warnings_app.models import AuditAnchor, AuditEvent
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class AnchorRefused(ServiceError):
    """The head could not be anchored (the authority, the file or the mail); nothing stored."""


@dataclass(frozen=True)
class Anchoring:
    anchor: AuditAnchor | None  # None: nothing new to anchor
    message: str


def anchor_chain_head(by: "User | AnonymousUser | None" = None) -> Anchoring:
    """Anchor the chain's current head, unless nothing but anchoring happened since the last
    anchor. Raises AnchorRefused (nothing stored, no file left, no mail sent) when the
    authority's token does not verify, the anchor file exists already, or the mail fails."""
    with transaction.atomic():
        audit_chain.lock()  # the head read under the lock is the last committed event
        event_id, event_hash = audit_chain.head()
    if event_id == 0:
        return Anchoring(None, "The audit chain is empty: nothing to anchor.")
    last = AuditAnchor.objects.order_by("-pk").first()
    if last is not None and not _new_since(last):
        return Anchoring(
            None,
            f"Nothing new since anchor #{last.pk} (head event {last.event_id}): no new anchor.",
        )
    stamped = audit_anchors.stamped_bytes(event_id, event_hash)
    try:
        token = timestamp_token(stamped)
    except TimestampError as exc:
        raise AnchorRefused(f"The head was not anchored: {exc}") from exc
    check = check_timestamp_token(token, stamped)
    if not check.valid or check.time is None:
        raise AnchorRefused(f"The timestamp authority's token does not verify: {check.problem}")
    directory = settings.AUDIT_ANCHOR_PATH
    path = Path(directory) / audit_anchors.file_name(event_id) if directory else None
    try:
        with transaction.atomic():
            anchor = AuditAnchor.objects.create(
                created_by=by if by is not None and by.is_authenticated else None,
                event_id=event_id,
                event_hash=event_hash,
                stamped=stamped,
                token=token,
                stamped_at=check.time,
                authority=check.authority[:300],
                demo=check.demo,
                emailed_to=settings.AUDIT_ANCHOR_EMAIL,
                file_path=str(path) if path else "",
            )
            _copy_outside(anchor, path)
    except IntegrityError:  # another anchoring of the same head committed first
        return Anchoring(None, f"Event {event_id} was anchored just now: no new anchor.")
    return Anchoring(anchor, f"Anchored head event {event_id} as anchor #{anchor.pk}.")


def _new_since(last: AuditAnchor) -> bool:
    later = AuditEvent.objects.filter(pk__gt=last.event_id)
    return later.exclude(verb__in=audit_anchors.ANCHOR_VERBS).exists()


def _copy_outside(anchor: AuditAnchor, path: Path | None) -> None:
    """Write the file, send the mail, then record the event; a failure removes the file this
    call wrote (when the storage allows it) and the transaction rolls the anchor back."""
    if path is not None:
        _write_once(path, anchor)
    try:
        if anchor.emailed_to:
            _email(anchor).send(fail_silently=False)
        audit_record(
            actor=anchor.created_by,
            verb="audit.anchored",
            target=anchor,
            data={
                "event_id": anchor.event_id,
                "event_hash": anchor.event_hash,
                "stamped_at": anchor.stamped_at,
                "authority": anchor.authority,
                "demo": anchor.demo,
                "emailed_to": anchor.emailed_to,
                "file": anchor.file_path,
            },
        )
    except Exception:
        if path is not None:
            path.unlink(missing_ok=True)
        raise


def _write_once(path: Path, anchor: AuditAnchor) -> None:
    """Create the file read-only; never open an existing one."""
    text = audit_anchors.file_text(
        number=anchor.pk,
        event_id=anchor.event_id,
        event_hash=anchor.event_hash,
        stamped=bytes(anchor.stamped),
        stamped_at=anchor.stamped_at,
        authority=anchor.authority,
        demo=anchor.demo,
        token=bytes(anchor.token),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    except FileExistsError:
        raise AnchorRefused(
            f"{path} exists already: an anchor of event {anchor.event_id} was written before "
            "(a restored or rolled-back database?). Anchor files are never overwritten; "
            "nothing was anchored."
        ) from None
    except OSError as exc:
        raise AnchorRefused(f"The anchor file {path} could not be created: {exc}") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _email(anchor: AuditAnchor) -> EmailMessage:
    demo = (
        "\nDEMO: stamped by the project's demo timestamp authority, not a trusted one.\n"
        if anchor.demo
        else ""
    )
    body = (
        f"Audit chain anchor #{anchor.pk}\n\n"
        f"Head event id:   {anchor.event_id}\n"
        f"Head event hash: {anchor.event_hash}\n"
        f"Stamped bytes:   {bytes(anchor.stamped).decode('ascii')}\n"
        f"Stamped at:      {anchor.stamped_at.isoformat()}\n"
        f"Authority:       {anchor.authority}\n{demo}\n"
        "Keep this message: `manage.py verify_integrity` checks the chain against the stored\n"
        "anchors, and this copy shows if one was removed. The attached .tst is the RFC 3161\n"
        "timestamp token (DER) over the attached .txt; to check it without the application:\n"
        "  openssl ts -verify -token_in -in <file>.tst -data <file>.txt -CAfile <tsa-ca.pem>\n"
    )
    name = f"audit-anchor-{anchor.pk:06d}"
    message = EmailMessage(
        subject=f"Audit chain anchor #{anchor.pk}: event {anchor.event_id}",
        body=body,
        from_email=sender_address(),
        to=[anchor.emailed_to],
    )
    message.attach(f"{name}.tst", bytes(anchor.token), "application/octet-stream")
    message.attach(f"{name}.txt", bytes(anchor.stamped), "text/plain")
    return message
