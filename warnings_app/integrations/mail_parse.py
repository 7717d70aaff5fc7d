"""Reading one inbound e-mail into what we keep: never raises on bad input. Malformed MIME,
unknown charsets and undecodable headers degrade to replacement characters and a recorded
problem; HTML is sanitised (nh3) and never kept raw; attachments are hashed, their type sniffed
from their bytes, and refused above the size limit."""

import email
import email.policy
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message, MIMEPart
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import nh3
from django.conf import settings

from warnings_app.domain.reply_html import sanitise_html
from warnings_app.integrations.bounce_reports import Bounce, read_bounce

ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


@dataclass
class Attachment:
    filename: str
    declared_type: str
    content_type: str
    size: int
    sha256: str
    content: bytes | None  # None when refused
    refused_reason: str = ""


@dataclass
class ParsedMessage:
    message_id: str
    sender: str
    sender_name: str
    recipients: list[str]
    subject: str
    date: datetime | None
    in_reply_to: str
    references: list[str]
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)
    authentication: dict[str, str] = field(default_factory=dict)
    bounce: Bounce | None = None
    # Written by a machine (out-of-office, delay notice, mailing list): kept, never an answer.
    automatic: bool = False
    problems: list[str] = field(default_factory=list)


def _header(message: Message, name: str, problems: list[str]) -> str:
    """A header as text whatever its encoding; '' when absent. Raw 8-bit headers (legacy mail
    that ignores RFC 2047) are decoded from their bytes rather than dropped."""
    raw = next((str(v) for k, v in message.raw_items() if k.lower() == name.lower()), None)
    if raw is None:
        return ""
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        return _clean(" ".join(raw.split()))
    try:
        return _clean(str(message.get(name)))
    except Exception as exc:  # a malformed header must not stop the rest
        problems.append(f"header {name} could not be decoded ({exc.__class__.__name__})")
        return _clean(" ".join(raw.split()))


def _clean(text: str) -> str:
    """Undecodable bytes (kept as surrogates by the parser) become replacement characters."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate (UTF-7 and other oddities): replace it
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace").strip()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:  # legacy 8-bit mail: most often Windows-1252
        text = data.decode("cp1252", "replace")
    return text.replace("\x00", "").strip()


def _payload_bytes(part: Message) -> bytes:
    """A part's decoded content; b"" for an empty or a multipart part (which decodes to None)."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _decode_part(part: Message, problems: list[str]) -> str:
    payload = _payload_bytes(part)
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        problems.append(f"a {part.get_content_type()} part was not valid {charset}")
        return _clean(payload.decode("utf-8", "surrogateescape"))


def html_to_text(html: str) -> str:
    text = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", html), tags=set())
    text = re.sub(r"&nbsp;", " ", text).replace("&amp;", "&").replace("&lt;", "<")
    return re.sub(r"\n{3,}", "\n\n", text.replace("&gt;", ">")).strip()


def sniff(content: bytes) -> str:
    """The type the bytes show, whatever the name or the declared type say."""
    signatures = [
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF8", "image/gif"),
        (b"PK\x03\x04", "application/zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
        (b"{\\rtf", "application/rtf"),
        (b"MZ", "application/x-msdownload"),
        (b"\x7fELF", "application/x-executable"),
    ]
    for magic, kind in signatures:
        if content.startswith(magic):
            return kind
    try:
        content[:4096].decode("utf-8")
        return "text/plain"
    except UnicodeDecodeError:
        return "application/octet-stream"


def _attachment(part: Message, problems: list[str]) -> Attachment:
    filename = _clean(part.get_filename() or "") or "unnamed"
    content = _payload_bytes(part)
    declared = part.get_content_type()
    attachment = Attachment(
        filename=filename[:255],
        declared_type=declared[:100],
        content_type=sniff(content),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
    limit = settings.REPLY_MAX_ATTACHMENT_BYTES
    if len(content) > limit:
        attachment.content = None
        attachment.refused_reason = (
            f"{len(content) / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit: not stored "
            "separately (the raw message keeps it)"
        )
        problems.append(f"attachment “{filename}” refused: {attachment.refused_reason}")
    return attachment


def _authentication(message: Message, problems: list[str]) -> dict[str, str]:
    """spf/dkim/dmarc results from the Authentication-Results header our own receiving server
    (REPLY_AUTHSERV_ID) added; none when that is not configured."""
    wanted = settings.REPLY_AUTHSERV_ID
    if not wanted:  # without it any sender could write "dkim=pass" into its own message
        return {}
    headers = [_clean(str(h)) for h in message.get_all("Authentication-Results", failobj=[])]
    chosen = next((h for h in headers if h.split(";", 1)[0].strip() == wanted), None)
    if chosen is None:
        return {}
    results = {"authserv_id": chosen.split(";", 1)[0].strip()[:200]}
    for method, result in re.findall(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", chosen, re.I):
        results.setdefault(method.lower(), result.lower())
    return results


def _bounce(raw: bytes, problems: list[str]) -> Bounce | None:
    """A delivery report in any server's format (bounce_reports): the failed and the delayed
    recipients, the server's words and the returned message's Message-ID."""
    return read_bounce(raw, problems)


def _is_automatic(message: Message, sender: str, header: Callable[[str], str]) -> bool:
    auto = header("Auto-Submitted").lower()
    precedence = header("Precedence").lower()
    local = sender.partition("@")[0].lower()
    return (
        (auto not in ("", "no"))
        or precedence in ("auto_reply", "bulk", "junk", "list")
        or bool(header("List-Id"))
        or message.get_content_type() == "multipart/report"
        or not sender
        or local in ("mailer-daemon", "postmaster", "noreply", "no-reply")
    )


def _own_parts(message: MIMEPart) -> Iterator[MIMEPart]:
    """The message's parts, not those of messages it quotes (message/rfc822): a returned or
    forwarded letter's text is not the sender's."""
    stack: list[MIMEPart] = [message]
    while stack:
        part = stack.pop(0)
        kind = part.get_content_type()
        if part.is_multipart() and not kind.startswith("message/"):
            stack = [*part.iter_parts(), *stack]
            continue
        yield part


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def parse_message(raw: bytes) -> ParsedMessage:
    """Never raises: what cannot be read as MIME is kept as raw bytes with the reason."""
    try:
        return _parse(raw)
    except Exception as exc:
        text = _clean(raw[:20_000].decode("utf-8", "surrogateescape"))
        return ParsedMessage(
            message_id="",
            sender="",
            sender_name="",
            recipients=[],
            subject="(unreadable message)",
            date=None,
            in_reply_to="",
            references=[],
            text=text,
            html="",
            problems=[f"could not be read as e-mail ({exc.__class__.__name__}): raw bytes kept"],
        )


def _parse(raw: bytes) -> ParsedMessage:
    problems: list[str] = []
    message: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)
    if message.defects:
        problems.append("malformed MIME: " + ", ".join(type(d).__name__ for d in message.defects))

    def header(name: str) -> str:
        return _header(message, name, problems)

    sender_name, sender = parseaddr(header("From"))
    recipients = [
        address.lower()
        for name in ADDRESS_HEADERS
        for _, address in getaddresses([header(name)])
        if address
    ]
    texts, htmls, attachments = [], [], []
    for part in _own_parts(message):
        if part.get_content_type().startswith("message/"):
            continue
        kind = part.get_content_type()
        try:
            disposition = (part.get_content_disposition() or "").lower()
            if disposition == "attachment" or part.get_filename():
                attachments.append(_attachment(part, problems))
            elif kind == "text/plain":
                texts.append(_decode_part(part, problems))
            elif kind == "text/html":
                htmls.append(_decode_part(part, problems))
        except Exception as exc:  # one unreadable part must not lose the others
            problems.append(f"a {kind} part could not be read ({exc.__class__.__name__})")
    html = sanitise_html("\n".join(htmls)) if htmls else ""
    text = "\n\n".join(t.strip() for t in texts) or (html_to_text(html) if html else "")
    return ParsedMessage(
        message_id=header("Message-ID")[:995],
        sender=sender.lower()[:300],
        sender_name=sender_name[:150],
        recipients=list(dict.fromkeys(recipients)),
        subject=header("Subject").replace("\n", " ")[:998],
        date=_date(header("Date")),
        in_reply_to=header("In-Reply-To")[:995],
        references=header("References").split()[:50],
        text=_clean(text)[:200_000],
        html=html[:400_000],
        attachments=attachments,
        authentication=_authentication(message, problems),
        bounce=_bounce(raw, problems),
        automatic=_is_automatic(message, sender, header),
        problems=problems,
    )
