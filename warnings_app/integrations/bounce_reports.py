"""Reading a bounce report, whatever mail server wrote it. RFC 3464 reports are read here, one
per-recipient block at a time, because their Action says what failed for good (failed) and what
is still being retried (delayed); every other format is left to flufl.bounce's detectors
(Mailman's, kept up for two decades of real servers) rather than to parsers of our own.

The detectors are heuristics: one of them takes any line reading ", someone@host," as a failure.
They therefore only see messages that look like delivery reports (a mailer-daemon or postmaster
sender, a report's subject, a multipart/report, Exim's X-Failed-Recipients), so that a lawyer's
reply naming a colleague is never taken for a bounce, and only a bounded, line-limited copy of
the message, because some of their patterns take time quadratic in a line's length.

Never raises: a detector that breaks on hostile input is skipped and named in `problems`."""

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses, parseaddr

from flufl.bounce._scan import _DETECTORS  # private, but the only way to know which one matched

RFC3464 = "rfc3464"
DETECTOR_BYTES = 64 * 1024  # what the detectors read: reports explain before they quote
LINE_BYTES = 998  # RFC 5322's limit; longer lines only come from someone trying something
MAX_ADDRESSES = 100
_ASCII = bytes(range(128)) + b"?" * 128
_STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_REPLY_CODE = re.compile(r"(?<![\d.])([45]\d\d|[45]\.\d{1,3}\.\d{1,3})(?![\d.])")
# Loose on purpose (internationalised addresses pass), but nothing undecodable or structural.
_ADDRESS = re.compile(r'^[^\s@<>()\[\],;:"\\\ufffd]+@[^\s@<>()\[\],;:"\\\ufffd]+$')
_DAEMONS = ("mailer-daemon", "mailer_daemon", "mail-daemon", "postmaster", "mailerdaemon")
_REPORT_SUBJECT = re.compile(
    r"undeliver|delivery (status|failure|failed|has failed|notification|problem|delayed)"
    r"|returned mail|failure notice|mail delivery failed|non-?delivery|could not be delivered"
    r"|delayed mail|warning: message .* delayed",
    re.IGNORECASE,
)
_MESSAGE_ID_LINE = re.compile(r"^message-id:[ \t]*(<[^>\s]{1,900}>)", re.IGNORECASE | re.MULTILINE)
# How servers title and word a delay warning (Postfix, Sendmail, Exim, Google, Exchange). A
# subject is matched from its start: a bounce's subject may end with our letter's own.
_WARNING_SUBJECT = re.compile(
    r"^\s*(warning:|delayed mail|delivery delayed)|^[^:]*\(delay\)|still being retried", re.I
)
_WARNING_TEXT = re.compile(
    r"this is a warning message only|has not yet been delivered|will keep trying"
    r"|do not need to resend|message will be retried|delivery attempts will continue",
    re.I,
)
# Where a plain-text report starts quoting the returned message (whose words are not its own).
_QUOTE_START = re.compile(
    r"^\s*-{2,}.*\b(copy|original|returned)\b|^\s*original message follows", re.I | re.M
)
_QUOTED_HEADER = re.compile(
    r"^\s*(to|cc|bcc|from|sender|reply-to|return-path|delivered-to|envelope-to)\s*:", re.I
)
_OWN_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


@dataclass
class Bounce:
    permanent: list[str]  # failed for good: lowercased addresses
    temporary: list[str]  # delayed, still being retried
    status: str  # the first DSN status ("5.1.1", "4.4.1") when known, else ""
    diagnostic: str  # the server's words, at most 1000 characters
    original_message_id: str  # of the returned message, when it can be read
    format: str  # "rfc3464" or the flufl.bounce detector that recognised it

    @property
    def is_permanent(self) -> bool:
        return bool(self.permanent)

    @property
    def recipient(self) -> str:
        return next(iter(self.permanent or self.temporary), "")


@dataclass
class _Found:
    permanent: list[str] = field(default_factory=list)
    temporary: list[str] = field(default_factory=list)
    status: str = ""
    diagnostic: str = ""
    other_actions: bool = False  # delivered, relayed, expanded: a report, but of no failure


def read_bounce(message: Message | bytes, problems: list[str] | None = None) -> Bounce | None:
    """The failures a delivery report states; None for any other message, and for a report of
    success. Reading problems are appended to `problems`."""
    problems = problems if problems is not None else []
    try:
        raw = (
            message
            if isinstance(message, bytes)
            else message.as_bytes(policy=email.policy.compat32)
        )
        return _read(raw, problems)
    except Exception as exc:  # the promise is never to raise: the message is still kept
        problems.append(f"the delivery report could not be read ({exc.__class__.__name__})")
        return None


def _read(raw: bytes, problems: list[str]) -> Bounce | None:
    headers = BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
    if not _looks_like_report(headers):
        return None
    full = email.message_from_bytes(raw, policy=email.policy.compat32)
    found = _rfc3464(full)
    kind = RFC3464
    if not (found.permanent or found.temporary):
        if found.other_actions:
            return None
        reduced = _reduced(raw)
        found, kind = _detected(reduced, _own_addresses(headers), problems)
        if not (found.permanent or found.temporary):
            return None
    text = _own_text(full)
    if kind != RFC3464 and _is_warning(_text(headers.get("Subject", "")), text):
        found.temporary, found.permanent = sorted({*found.temporary, *found.permanent}), []
    if not found.diagnostic:
        found.diagnostic = _near(text, (found.permanent or found.temporary)[0])
    if not found.status:
        found.status = next(iter(_STATUS.findall(found.diagnostic)), "")
    return Bounce(
        permanent=found.permanent[:MAX_ADDRESSES],
        temporary=[a for a in found.temporary if a not in found.permanent][:MAX_ADDRESSES],
        status=found.status,
        diagnostic=found.diagnostic[:1000],
        original_message_id=_returned_message_id(full, text),
        format=kind,
    )


def _looks_like_report(headers: Message) -> bool:
    local = parseaddr(_text(headers.get("From", "")))[1].partition("@")[0].lower()
    return (
        headers.get_content_type() == "multipart/report"
        or bool(headers.get("X-Failed-Recipients"))
        or local in _DAEMONS
        or local.startswith("microsoftexchange")
        or bool(_REPORT_SUBJECT.search(_text(headers.get("Subject", ""))))
    )


def _own_parts(message: Message) -> list[Message]:
    """The report's leaf parts, not those of the message it returns."""
    parts: list[Message] = []
    stack = [message]
    while stack and len(parts) < 200:
        part = stack.pop(0)
        if part.get_content_type().startswith("multipart/") and part.is_multipart():
            payload = part.get_payload()  # a list: get_payload() of a leaf may decode, and fail
            stack = [p for p in payload if isinstance(p, Message)] + stack
        else:
            parts.append(part)
    return parts


def _rfc3464(message: Message) -> _Found:
    """Each per-recipient block: Action decides (RFC 3464 §2.3.3), whatever the status says:
    "failed" is final (a 4.x.x status then means the server gave up retrying), "delayed" is
    not. The Original-Recipient is the address we wrote to, so it comes before the Final one."""
    found = _Found()
    for part in _own_parts(message):
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _blocks(part):
            action = _text(block.get("Action", "")).lower().split(" ", 1)[0]
            address = _recipient(block)
            if not address or not action:
                continue
            if action.startswith(("fail", "error")):
                chosen = found.permanent
            elif action.startswith("delay"):
                chosen = found.temporary
            else:
                found.other_actions = True
                continue
            if address not in chosen:
                chosen.append(address)
            if not found.status:
                found.status = next(iter(_STATUS.findall(_text(block.get("Status", "")))), "")
            if not found.diagnostic:
                code = _text(block.get("Diagnostic-Code", ""))
                found.diagnostic = re.sub(r"^[\w.-]+\s*;\s*", "", code)
    return found


def _blocks(part: Message) -> list[Message]:
    """The header blocks of a delivery-status part, also when the parser left them as text
    (an encoded part, or one built by hand)."""
    if part.is_multipart():
        blocks = part.get_payload()
        return [b for b in blocks if isinstance(b, Message)][: MAX_ADDRESSES + 1]
    body = part.get_payload(decode=True)
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else ""
    chunks = re.split(r"\r?\n[ \t]*\r?\n", text)[: MAX_ADDRESSES + 1]
    return [HeaderParser(policy=email.policy.compat32).parsestr(c) for c in chunks]


def _recipient(block: Message) -> str:
    for name in ("Original-Recipient", "Final-Recipient"):
        kind, _, value = _text(block.get(name, "")).rpartition(";")
        if kind.strip().lower() in ("", "rfc822", "utf-8") and (address := _address(value)):
            return address
    return ""


def _reduced(raw: bytes) -> Message:
    """What the detectors read: the start of the message (enough for any report's explanation),
    lines cut at the RFC's limit (bounded work for their patterns), and ASCII only. The
    addresses they report are ASCII anyway, and with 8-bit bytes in a header the compat32
    parser hands them an email.header.Header where most of them expect a str, and they crash."""
    lines = raw[:DETECTOR_BYTES].translate(_ASCII, delete=b"\x00").splitlines(keepends=True)
    cut = b"".join(line if len(line) <= LINE_BYTES else line[:LINE_BYTES] + b"\n" for line in lines)
    return email.message_from_bytes(cut, policy=email.policy.compat32)


def _detected(message: Message, own: set[str], problems: list[str]) -> tuple[_Found, str]:
    """The first detector that finds a failed address, as flufl.bounce runs them (most
    specific first). Addresses the report was sent to are ours, never a failed recipient."""
    for detector in _DETECTORS:
        try:
            temporary, permanent = detector().process(message)
        except Exception as exc:  # one broken detector must not stop the others
            name = detector.__name__
            problems.append(
                f"bounce detector {name} failed on this message ({exc.__class__.__name__})"
            )
            continue
        found = _Found(permanent=_addresses(permanent, own), temporary=_addresses(temporary, own))
        if found.permanent or found.temporary:
            return found, detector.__name__
    return _Found(), ""


def _addresses(values: frozenset[bytes], own: set[str]) -> list[str]:
    """The detectors' addresses; one with a "?" is dropped, as it may be an 8-bit byte that
    _reduced replaced rather than what the server wrote."""
    decoded = (_address(v.decode("ascii", "replace")) for v in values)
    return sorted({a for a in decoded if a and "?" not in a and a not in own})


def _address(value: str) -> str:
    """A bare lowercased address, or "" when it is none."""
    address = value.strip().strip("<>").strip().lower()
    return address if _ADDRESS.match(address) and len(address) <= 320 else ""


def _is_warning(subject: str, text: str) -> bool:
    """The report says, in its title or in its own words before any quoted copy of our letter,
    that it is only a warning. Some detectors take any report of their layout as a failure
    (Exim's and Sendmail's delay warnings look like their bounces), and a letter still being
    retried must not be counted as bounced."""
    quote = _QUOTE_START.search(text)
    explanation = text[: quote.start() if quote else 5000][:5000]
    return bool(_WARNING_SUBJECT.search(subject) or _WARNING_TEXT.search(explanation))


def _own_addresses(headers: Message) -> set[str]:
    values = [_text(v) for name in _OWN_HEADERS for v in headers.get_all(name, [])]
    return {a for _, address in getaddresses(values) if (a := _address(address))}


def _own_text(message: Message) -> str:
    """The report's own words (its text parts, HTML stripped of tags when there is no text)."""
    texts: list[str] = []
    htmls: list[str] = []
    for part in _own_parts(message):
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html") or part.get_filename():
            continue
        body = part.get_payload(decode=True)
        if not isinstance(body, bytes):
            continue
        try:
            decoded = body.decode(part.get_content_charset() or "utf-8", "replace")
        except (LookupError, ValueError):  # an unknown charset, or one with a NUL in its name
            decoded = body.decode("utf-8", "replace")
        (texts if kind == "text/plain" else htmls).append(decoded)
    if not texts:
        texts = [
            re.sub(r"<[^>]{0,2000}>", " ", re.sub(r"(?i)<br\s*/?>|</p>", "\n", h)) for h in htmls
        ]
    return "\n\n".join(texts).replace("\r\n", "\n")[: DETECTOR_BYTES * 2]


def _near(text: str, address: str) -> str:
    """Where a plain-text report gives its reason: the first paragraph naming the failed address
    that holds an SMTP reply code (qmail, Exim, Sendmail, Google quote the server there), else
    the first naming it and the one after (the address alone, then the explanation)."""
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    naming = [i for i, p in enumerate(paragraphs) if _names(p, address)]
    if not naming:  # AOL names a screen name, the address without its domain
        naming = [i for i, p in enumerate(paragraphs) if _names(p, address.partition("@")[0])]
    if not naming:
        return ""
    coded = [i for i in naming if _REPLY_CODE.search(paragraphs[i])]
    chosen = paragraphs[coded[0] : coded[0] + 1] if coded else paragraphs[naming[0] : naming[0] + 2]
    lines = [" ".join(line.split()) for p in chosen for line in p.splitlines()]
    return "\n".join(line for line in lines if not line.startswith("---"))[:1000]


def _names(paragraph: str, address: str) -> bool:
    """The paragraph names the address other than in a quoted header ("To: ..." of the
    returned message, which says nothing about why it failed)."""
    return any(
        address in line.lower() and not _QUOTED_HEADER.match(line)
        for line in paragraph.splitlines()
    )


def _returned_message_id(message: Message, text: str) -> str:
    """The Message-ID of the message a report returns: from its attached copy or headers, else
    from a copy quoted in the text (qmail, Exim, Yahoo); "" when there is none."""
    for part in _own_parts(message):
        kind = part.get_content_type()
        if kind == "message/rfc822" and part.is_multipart():
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return _text(inner[0].get("Message-ID", ""))[:995]
        elif kind == "text/rfc822-headers":
            body = part.get_payload(decode=True)
            if isinstance(body, bytes):
                quoted = HeaderParser().parsestr(body.decode("utf-8", "replace"))
                return _text(quoted.get("Message-ID", ""))[:995]
    match = _MESSAGE_ID_LINE.search(text)
    return match.group(1) if match else ""


def _text(value: object) -> str:
    """A header as one line of text; bytes the parser could not decode become U+FFFD."""
    text = " ".join(str(value).split())
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a lone surrogate the parser did not put there
        return text.encode("utf-8", "replace").decode("utf-8")
