"""The pieces of an artist's private link that are not database writes: the token and its hash,
the confirmation document kept as the artist's instruction, and the two e-mails (the link, the
receipt). The token is shown once, in the e-mail; only its SHA-256 is stored."""

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from warnings_app.domain.preferences import Choice
from warnings_app.integrations.emails import message_id, templated_email
from warnings_app.models import PreferenceLink, PreferenceStatement, Work
from warnings_app.selectors.preference_register import LABELS

TOKEN_BYTES = 32  # 256 bits: guessing is hopeless, so no rate limit is needed on the pages
CONFIRMATION_FILENAME = "artist-confirmation.txt"


class ReceiptDeferred(Exception):
    """The receipt could not be sent for a reason that may pass (SMTP 4xx, connection lost):
    the task tries again later."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_url(link: PreferenceLink, token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('artist_choice', args=[link.artist_id, token])}"


def local_time(moment: datetime) -> str:
    """A time as people read it, with the zone spelt out: 14 May 2026, 10:32 BST (Europe/London)."""
    local = timezone.localtime(moment)
    return f"{local:%-d %B %Y, %H:%M} {local.tzname()} ({settings.TIME_ZONE})"


def local_day(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y}"


def confirmation_document(
    *,
    link: PreferenceLink,
    choice: Choice,
    works: list[Work],
    at: datetime,
    user_agent: str = "",
    address: str | None = None,
) -> bytes:
    """The artist's instruction, as plain UTF-8 text: what they confirmed, when, through which
    link. Its first line has no colon and values sit on their own lines, so the upload check
    never mistakes it for an e-mail; the forms keep angle brackets out of what people type."""
    by_id = {w.pk: w for w in works}
    lines = [
        "Confirmation of an AI-training preference",
        "",
        f"Artist: {link.artist.name} (register entry {link.artist_id})",
        f"Preference for all works: {LABELS[choice.preference]}",
        f"Licensing contact: {choice.licensing_contact or '(none)'}",
        "Works with a different preference:",
    ]
    for work_id, preference in sorted(choice.works.items()):
        work = by_id[work_id]
        lines.append(f"  - {work.title} (ISRC {work.isrc or 'none'}): {LABELS[preference]}")
    if not choice.works:
        lines.append("  (none)")
    lines += [
        "",
        f"Confirmed by: {choice.name}",
        f"E-mail: {choice.email}",
        f"Confirmed at: {at.isoformat()} ({local_time(at)})",
        f"Private link: number {link.pk}, sent to {link.recipient_email} on "
        f"{local_day(link.created_at)}, open until {local_time(link.expires_at)}",
    ]
    if user_agent:
        lines.append(f"Browser: {' '.join(user_agent.split())[:300]}")
    if address:
        lines.append(f"Network address: {address}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def link_email(link: PreferenceLink, token: str) -> EmailMultiAlternatives:
    context = {
        "artist": link.artist.name,
        "recipient_name": link.recipient_name,
        "url": link_url(link, token),
        "expires": local_time(link.expires_at),
    }
    return templated_email(
        "preference_link",
        context,
        to=[link.recipient_email],
        message_id=message_id(f"preference-link.{link.pk}"),
    )


def receipt_recipients(statement: PreferenceStatement) -> list[str]:
    """The person who confirmed, and the link's recipient when that is someone else."""
    from email.utils import parseaddr

    confirmer = parseaddr(statement.confirmed_by)[1]
    link_recipient = statement.link.recipient_email if statement.link else ""
    addresses = [a for a in (confirmer, link_recipient) if a]
    unique: dict[str, str] = {}
    for address in addresses:
        unique.setdefault(address.lower(), address)
    return list(unique.values())


def receipt_context(statement: PreferenceStatement) -> dict[str, Any]:
    """The receipt as shown on the done page and in the e-mail."""
    from email.utils import parseaddr

    works = [
        {"title": c.work.title, "isrc": c.work.isrc, "label": LABELS[c.preference]}
        for c in statement.work_choices.select_related("work").order_by("work__title", "work")
    ]
    return {
        "artist": statement.artist.name,
        "choice": LABELS[statement.preference],
        "licensing_contact": statement.licensing_contact,
        "works": works,
        "confirmed_by": parseaddr(statement.confirmed_by)[0] or statement.confirmed_by,
        "confirmed_at": local_time(statement.created_at),
        "effective_from": f"{statement.effective_from:%-d %B %Y}",
        "reference": f"statement {statement.pk}, link {statement.link_id}",
        "record_sha256": statement.record_sha256,
        "instruction_sha256": statement.instruction_sha256,
        "instruction_filename": statement.instruction_filename,
    }


def receipt_email(statement: PreferenceStatement, document: bytes) -> EmailMultiAlternatives:
    message = templated_email(
        "preference_receipt",
        receipt_context(statement),
        to=receipt_recipients(statement),
        message_id=message_id(f"preference-receipt.{statement.pk}"),
    )
    # As bytes in base64, so the attachment hashes to the instruction SHA-256 the receipt quotes
    # (as text, mail systems may rewrite its line endings).
    message.attach(statement.instruction_filename, document, "application/octet-stream")
    return message
