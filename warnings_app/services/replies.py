"""Inbound replies: stored once (by Message-ID), raw bytes and hash kept as evidence, matched to
their notice or left in triage. A bounce report for one of our messages marks that delivery
bounced instead."""

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from warnings_app.domain import uploads
from warnings_app.integrations import mailboxes
from warnings_app.integrations.mail_parse import ParsedMessage, parse_message
from warnings_app.integrations.sender_auth import DnsLookup, SenderEvidence, check_sender
from warnings_app.models import Company, Notice, Response, ResponseAttachment
from warnings_app.models.lifecycle import TRANSITIONS
from warnings_app.services.audit import audit_record
from warnings_app.services.delivery_reports import delivery_bounced, delivery_delayed
from warnings_app.services.errors import ServiceError
from warnings_app.services.notices import apply_transition
from warnings_app.services.reply_matching import BAD_TOKEN, Matched, match_message
from warnings_app.services.reply_trust import Standing, reply_standing
from warnings_app.services.stored_files import stored_file_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
Match = Response.Match
# Matches that name the notice itself; a domain match only suggests one, for a person to check.
Trust = Response.Trust


def _message_id(raw: bytes, parsed_id: str) -> str:
    """The Message-ID, or for a message without one an id made from its bytes: fetching the
    same message again must still find it."""
    return parsed_id or f"<sha256-{hashlib.sha256(raw).hexdigest()}@no-message-id>"


def _too_large(raw: bytes) -> ParsedMessage:
    """Only the headers of a message too large to keep: enough to find and match it."""
    headers = BytesHeaderParser().parsebytes(raw[: 256 * 1024])
    parsed = parse_message(b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()))
    limit = settings.REPLY_MAX_MESSAGE_BYTES
    parsed.problems.append(
        f"message of {len(raw) / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit: "
        "not stored; read it in the mailbox"
    )
    return parsed


def reply_ingest(
    *,
    raw: bytes,
    source: str,
    received_at: datetime | None = None,
    dnsfunc: DnsLookup | None = None,
) -> tuple[Response, bool]:
    """Store one inbound e-mail; (response, created). Running it again for the same message
    returns the stored one and changes nothing. `dnsfunc` looks up DKIM keys (DNS by default)."""
    too_large = len(raw) > settings.REPLY_MAX_MESSAGE_BYTES
    parsed = _too_large(raw) if too_large else parse_message(raw)
    sha256 = hashlib.sha256(raw).hexdigest()
    message_id = _message_id(raw, parsed.message_id)
    existing = Response.objects.filter(message_id=message_id).first()
    if existing is not None and existing.raw_sha256 not in (sha256, ""):
        # Another message under the same Message-ID (a careless or hostile sender): kept apart.
        parsed.problems.append(f"a different message already used the Message-ID {message_id}")
        message_id = f"{message_id[:900]}#sha256-{sha256[:32]}"
        existing = Response.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing, False
    if received_at is None:
        received_at = parsed.date or timezone.now()
        parsed.problems.append(
            "the time it reached our mailbox is unknown: "
            + ("the sender's Date header is used" if parsed.date else "the import time is used")
        )
    stored = (
        [] if too_large else [stored_file_save(folder="replies", content=raw, extension=".eml")]
    )
    try:
        with transaction.atomic():
            response = _record(parsed, raw, message_id, source, received_at, stored, dnsfunc)
    except IntegrityError:
        for name in stored:
            default_storage.delete(name)
        again = Response.objects.filter(message_id=message_id).first()
        if again is None:  # not the race on the same message: a real fault
            raise
        return again, False  # the same message, stored meanwhile by another run
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    return response, True


def _record(
    parsed: ParsedMessage,
    raw: bytes,
    message_id: str,
    source: str,
    received_at: datetime,
    stored: list[str],
    dnsfunc: DnsLookup | None,
) -> Response:
    matched = match_message(parsed)
    evidence = check_sender(raw, dnsfunc=dnsfunc)
    kind, standing = _kind_and_standing(parsed, matched, evidence)
    acts = standing.trust != Trust.UNCONFIRMED
    notice = matched.notice if acts else None
    sender = f"{parsed.sender_name} <{parsed.sender}>" if parsed.sender_name else parsed.sender
    response = Response.objects.create(
        notice=notice,
        company=matched.company,
        suggested_notice=None if acts else matched.notice,
        channel=Response.Channel.EMAIL,
        kind=kind,
        matched_by=matched.method,
        received_at=received_at,
        sender=sender[:500],
        subject=parsed.subject,
        body_text=parsed.text,
        body_html=parsed.html,
        recipients=parsed.recipients,
        in_reply_to=parsed.in_reply_to,
        message_id=message_id,
        raw_message=stored[0] if stored else "",
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        authentication_results=parsed.authentication,
        sender_check=evidence.to_json(),
        trust=standing.trust,
        trust_reason=standing.reason[:500],
        problems="\n".join([*parsed.problems, *evidence.problems])[:10_000],
    )
    for attachment in parsed.attachments:
        name = ""
        if attachment.content is not None:
            name = stored_file_save(
                folder="replies/attachments", content=attachment.content, extension=".bin"
            )
            stored.append(name)
        ResponseAttachment.objects.create(
            response=response,
            file=name,
            original_filename=attachment.filename,
            content_type=attachment.content_type,
            declared_type=attachment.declared_type,
            refused_reason=attachment.refused_reason,
            size=attachment.size,
            sha256=attachment.sha256,
        )
    report = parsed.bounce if acts else None
    audit_record(
        actor=None,
        verb="reply.bounce_received" if kind == Response.Kind.BOUNCE else "reply.ingested",
        target=response,
        data={
            "source": source[:200],
            "message_id": message_id,
            "sha256": response.raw_sha256,
            "matched_by": response.matched_by,
            "notice": notice.reference if notice else None,
            "suggested": response.suggested_notice.reference if response.suggested_notice else None,
            "trust": standing.trust,
            "reason": standing.reason,
        },
    )
    if report is not None and matched.attempt is not None:
        if report.is_permanent:
            delivery_bounced(matched.attempt, report, response)
        else:
            delivery_delayed(matched.attempt, report, response)
    elif kind == Response.Kind.REPLY and notice is not None:
        _note_reply(notice, response)
    return response


def _kind_and_standing(
    parsed: ParsedMessage, matched: Matched, evidence: SenderEvidence
) -> tuple[str, Standing]:
    """What the message is, and whether it may act. A delivery report acts only through the
    token of the attempt's own bounce address: Message-IDs and bodies can be forged."""
    report = parsed.bounce
    if report is not None:
        kind = Response.Kind.BOUNCE if report.is_permanent else Response.Kind.AUTOMATIC
        if matched.attempt is not None:  # named by a valid bounce address token
            return kind, Standing(Trust.TRUSTED, "sent to the delivery's own bounce address")
        reason = (
            BAD_TOKEN if matched.problem == BAD_TOKEN else "delivery report without a bounce token"
        )
        return kind, Standing(Trust.UNCONFIRMED, reason)
    if parsed.automatic:
        if matched.address_proves:
            return Response.Kind.AUTOMATIC, Standing(Trust.TRUSTED, "sent to our tokened address")
        return Response.Kind.AUTOMATIC, Standing(Trust.UNCONFIRMED, matched.problem)
    return Response.Kind.REPLY, reply_standing(matched, evidence)


def _note_reply(notice: Notice, response: Response, by: "User | None" = None) -> None:
    """A reply that names its notice moves it to "responded" (its ladder stops with it)."""
    if TRANSITIONS["record_response"].allows(notice.status):
        apply_transition(
            notice=notice,
            transition="record_response",
            by=by,
            data={"response_id": response.pk, "channel": response.channel},
        )


def replies_ingest_from(
    *,
    imap_url: str = "",
    only_unseen: bool = True,
    maildir: Path | None = None,
    folder: Path | None = None,
) -> dict[str, int]:
    """Read one source of inbound mail (the IMAP mailbox at `imap_url`, a Maildir or a folder of
    .eml files) and store each message once through `replies_ingest_all`. Safe to run again:
    a message already stored is recognised and skipped."""
    if imap_url:
        messages = mailboxes.imap_messages(imap_url, only_unseen=only_unseen)
    elif maildir is not None:
        messages = mailboxes.maildir_messages(maildir)
    elif folder is not None:
        messages = mailboxes.folder_messages(folder)
    else:
        raise ValueError("no source of inbound mail was given")
    return replies_ingest_all(messages)


def replies_ingest_all(messages: Iterable[mailboxes.Item]) -> dict[str, int]:
    """Store each (where, raw, received_at, done) from inbound.sources; `done` is called once
    a message is safely stored (IMAP then marks it seen). One bad message does not stop the
    others: it is logged, counted and left to be read again."""
    summary = {"read": 0, "stored": 0, "known": 0, "bounces": 0, "triage": 0, "errors": 0}
    for where, raw, received_at, done in messages:
        summary["read"] += 1
        try:
            response, created = reply_ingest(raw=raw, source=where, received_at=received_at)
        except Exception:
            logger.exception("could not store the message at %s", where)
            summary["errors"] += 1
            continue
        done()
        if not created:
            summary["known"] += 1
            continue
        summary["stored"] += 1
        summary["bounces"] += response.kind == Response.Kind.BOUNCE
        summary["triage"] += response.notice_id is None and response.kind == Response.Kind.REPLY
    return summary


def reply_log(
    *,
    by: "User",
    channel: str,
    received_at: datetime,
    notice: Notice | None = None,
    company: Company | None = None,
    sender: str = "",
    subject: str = "",
    body_text: str = "",
    files: list[tuple[str, str, bytes]] | None = None,
) -> Response:
    """A reply that did not come by e-mail (a letter, a call, a portal submission), logged by
    hand against a notice or a company, with its attachments as (name, declared type, bytes)."""
    if channel not in Response.Channel.values or channel == Response.Channel.EMAIL:
        raise ServiceError("log a letter, a phone call, a portal submission or other contact")
    if notice is None and company is None:
        raise ServiceError("say which notice or company the reply is about")
    if received_at > timezone.now() + timedelta(minutes=5):
        raise ServiceError("the reply cannot have been received in the future")
    if not (subject.strip() or body_text.strip() or files):
        raise ServiceError("write what was said, or attach what was received")
    limit = settings.REPLY_MAX_ATTACHMENT_BYTES
    checked: list[uploads.Checked] = []
    for name, _kind, content in files or []:
        if len(content) > limit:
            raise ServiceError(
                f"“{name}” is {len(content) / 1e6:.1f} MB; attachments may be at most "
                f"{limit / 1e6:.0f} MB"
            )
        try:  # the kind by the bytes: HTML named .pdf, SVG, ZIP bombs are refused
            checked.append(uploads.check(content, name=name, max_bytes=limit))
        except uploads.UploadRefused as exc:
            raise ServiceError(str(exc)) from exc
    stored: list[str] = []
    try:
        with transaction.atomic():
            response = Response.objects.create(
                notice=notice,
                company=notice.company if notice else company,
                channel=channel,
                kind=Response.Kind.REPLY,
                matched_by=Match.MANUAL,
                received_at=received_at,
                sender=sender.strip()[:500],
                subject=subject.strip()[:998],
                body_text=body_text.strip(),
                logged_by=by,
            )
            for (name, kind, content), check in zip(files or [], checked, strict=True):
                stored.append(
                    stored_file_save(
                        folder="replies/attachments", content=content, extension=check.extension
                    )
                )
                ResponseAttachment.objects.create(
                    response=response,
                    file=stored[-1],
                    original_filename=name[:255],
                    content_type=check.content_type,
                    declared_type=kind[:100],
                    size=check.size,
                    sha256=check.sha256,
                )
            audit_record(
                actor=by,
                verb="reply.logged",
                target=response,
                data={
                    "channel": channel,
                    "notice": notice.reference if notice else None,
                    "attachments": [hashlib.sha256(c).hexdigest() for _, _, c in files or []],
                },
            )
            if notice is not None:
                _note_reply(notice, response, by=by)
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    return response
