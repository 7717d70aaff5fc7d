"""The one gate for files people hand us: evidence exhibits, hand-logged reply attachments and
recipient imports all pass through `check` before anything is stored or parsed.

The kind is decided by the bytes, never by the file name or the browser's declared type, and
only these kinds are accepted: PDF, PNG, JPEG, plain text (CSV included), e-mail (.eml), Word
(.docx) and Excel (.xlsx). Markup (HTML, SVG, XML) is refused, even named .pdf: it can carry
script. A bare ZIP is refused too: it can hide any of the refused kinds and cannot be reviewed
in place. For the two Office kinds — ZIP archives — the central directory is checked before a
byte is inflated: entry count, total declared size and each entry's compression ratio (Python's
zipfile never inflates past an entry's declared size, so a lying header cannot get round this).

Stored files get generated names (`services.stored_files.stored_file_save`): a user's file
name is kept in the database for display, never in a path. Every view that serves a stored file
sends it as an attachment, and SecurityMiddleware adds X-Content-Type-Options: nosniff to every
response.
"""

import hashlib
import io
import re
import secrets
import zipfile
from dataclasses import dataclass

from django.conf import settings

PDF, PNG, JPEG, TEXT, EML, DOCX, XLSX = "pdf", "png", "jpeg", "text", "eml", "docx", "xlsx"
# A recipient import file (CSV or XLSX) is refused above this size, before it is read.
IMPORT_MAX_BYTES = 10 * 1024 * 1024

CONTENT_TYPES = {
    PDF: "application/pdf",
    PNG: "image/png",
    JPEG: "image/jpeg",
    TEXT: "text/plain",
    EML: "message/rfc822",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", TEXT: ".txt", EML: ".eml"}
EXTENSIONS |= {DOCX: ".docx", XLSX: ".xlsx"}
ALL_KINDS = frozenset(CONTENT_TYPES)
LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", TEXT: "text or CSV", EML: "e-mail (.eml)"}
LABELS |= {DOCX: "Word (.docx)", XLSX: "Excel (.xlsx)"}

# The main part each Office kind declares in its [Content_Types].xml.
_OFFICE_MAIN = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
# What a browser sniffing the first bytes would take for a page (WHATWG MIME sniffing).
_MARKUP = re.compile(
    rb"<(!doctype\s+html|html|head|body|script|iframe|svg|\?xml|object|embed|style|a\s|img\s|"
    rb"div|table|title|!--)",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(rb"^[A-Za-z0-9-]+:[ \t]")
_MAIL_HEADERS = (b"from:", b"received:", b"message-id:", b"return-path:", b"mime-version:")
# Known kinds we refuse, named so the message says what the file really is.
_REFUSED_MAGIC = [
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc/.xls)"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
]


class UploadRefused(ValueError):
    """The file may not be kept; the message says why, in words for the person uploading."""


@dataclass(frozen=True)
class Checked:
    kind: str
    content_type: str
    extension: str
    size: int
    sha256: str


def check(
    data: bytes, *, name: str = "", allowed: frozenset[str] = ALL_KINDS, max_bytes: int = 0
) -> Checked:
    """The kind of `data`, or UploadRefused. `max_bytes` 0 means UPLOAD_MAX_BYTES."""
    label = f"“{name}”" if name else "The file"
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    if not data:
        raise UploadRefused(f"{label} is empty.")
    if len(data) > limit:
        raise UploadRefused(
            f"{label} is {len(data) / 1e6:.1f} MB; files may be at most {limit / 1e6:.0f} MB."
        )
    kind = _identify(data, label)
    if kind not in allowed:
        accepted = ", ".join(LABELS[k] for k in sorted(allowed))
        raise UploadRefused(f"{label} is {LABELS[kind]}; here only {accepted} is accepted.")
    return Checked(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        extension=EXTENSIONS[kind],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def check_zip(data: bytes, label: str = "The file") -> zipfile.ZipFile:
    """An open archive whose declared sizes are within the limits, checked before inflating."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UploadRefused(f"{label} looks like a ZIP archive but cannot be opened.") from exc
    most = settings.UPLOAD_MAX_ZIP_ENTRIES
    if len(entries) > most:
        raise UploadRefused(f"{label} holds {len(entries):,} files; the limit is {most:,}.")
    unpacked = sum(info.file_size for info in entries)
    if unpacked > settings.UPLOAD_MAX_UNPACKED_BYTES:
        raise UploadRefused(
            f"{label} unpacks to {unpacked / 1e6:,.0f} MB; the limit is "
            f"{settings.UPLOAD_MAX_UNPACKED_BYTES / 1e6:,.0f} MB."
        )
    for info in entries:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > settings.UPLOAD_MAX_COMPRESSION_RATIO:
            raise UploadRefused(
                f"{label} is compressed {ratio:,.0f} to 1 ({info.filename}); more than "
                f"{settings.UPLOAD_MAX_COMPRESSION_RATIO} to 1 looks like a ZIP bomb."
            )
    return archive


def generated_filename(checked: Checked) -> str:
    """A fresh random file name with the extension of the checked kind: no user input."""
    return f"{secrets.token_urlsafe(18)}{checked.extension}"


def _identify(data: bytes, label: str) -> str:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data, label)
    for magic, what in _REFUSED_MAGIC:
        if data.startswith(magic):
            raise UploadRefused(f"{label} is {what}, which is not accepted.")
    head = _text_head(data)
    if head is None:
        raise UploadRefused(
            f"{label} is not one of the accepted kinds (PDF, PNG, JPEG, text or CSV, e-mail, "
            "Word or Excel), whatever its name says."
        )
    lines = head.lstrip().split(b"\n", 1)
    if _HEADER_LINE.match(lines[0]) and any(h in head.lower() for h in _MAIL_HEADERS):
        return EML
    stripped = head.lstrip()
    if stripped.startswith(b"<") or _MARKUP.search(head[:1024]):
        raise UploadRefused(
            f"{label} contains web markup (HTML, SVG or XML), which can carry scripts and is "
            "not accepted, whatever its name says. Save it as PDF instead."
        )
    return TEXT


def _text_head(data: bytes) -> bytes | None:
    """The first 8 KB as ASCII-compatible bytes if the file is text in any encoding, else None."""
    head = data[:8192]
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(codec, "ignore").encode("utf-8", "ignore")
    head = head.removeprefix(b"\xef\xbb\xbf")
    if any(b < 0x20 and b not in b"\t\n\r\x0c\x1a" for b in head):
        return None
    return head


def _office_kind(data: bytes, label: str) -> str:
    with check_zip(data, label) as archive:
        try:
            declared = archive.read("[Content_Types].xml")
        except (
            KeyError,
            zipfile.BadZipFile,
            OSError,
            EOFError,
            RuntimeError,
            NotImplementedError,
        ) as exc:
            raise UploadRefused(
                f"{label} is a ZIP archive, not a Word or Excel document; archives are not "
                "accepted (upload the files inside)."
            ) from exc
    for kind, main in _OFFICE_MAIN.items():
        if main in declared:
            return kind
    raise UploadRefused(
        f"{label} is a ZIP-based file but not a Word (.docx) or Excel (.xlsx) document "
        "(macro-enabled files are not accepted)."
    )
