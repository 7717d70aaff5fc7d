"""Where inbound mail comes from: an IMAP mailbox, a Maildir, or a folder of .eml files. Each
yields (where, raw bytes, received at) and is told afterwards whether the message was stored,
so an IMAP message is marked seen only once it is safely in the database."""

import imaplib
import ipaddress
import mailbox
import re
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

Item = tuple[str, bytes, datetime | None, Callable[[], None]]


def _nothing() -> None:
    return None


def folder_messages(path: Path) -> Iterator[Item]:
    for file in sorted(path.glob("*.eml")):
        yield str(file), file.read_bytes(), None, _nothing


def maildir_messages(path: Path) -> Iterator[Item]:
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.keys()):
        with box.get_file(key) as handle:
            raw = handle.read()
        # A Maildir file's time is when the server delivered it.
        delivered = datetime.fromtimestamp(box.get_message(key).get_date(), tz=UTC)
        yield f"{path}:{key}", raw, delivered, _nothing


def imap_messages(url: str, *, only_unseen: bool = True) -> Iterator[Item]:
    """imaps://user:password@host:993/INBOX (or imap:// with STARTTLS when offered)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ValueError("IMAP_URL must look like imaps://user:password@host:993/INBOX")
    port = parts.port or (993 if parts.scheme == "imaps" else 143)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    tls = ssl.create_default_context()  # certificates and host names are checked
    client: imaplib.IMAP4
    if parts.scheme == "imaps":
        client = imaplib.IMAP4_SSL(parts.hostname, port, ssl_context=tls, timeout=60)
    else:
        client = imaplib.IMAP4(parts.hostname, port, timeout=60)
    with client:
        if parts.scheme == "imap":
            if "STARTTLS" in client.capabilities:
                client.starttls(ssl_context=tls)
            elif not _loopback(parts.hostname):
                raise ValueError(
                    f"{parts.hostname} offers no STARTTLS: the password would travel in clear. "
                    "Use imaps://"
                )
        client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        client.select(folder)
        # No charset (imaplib used to skip the None given here); UIDs are ASCII digits.
        _, data = client.uid("SEARCH", "UNSEEN" if only_unseen else "ALL")
        for uid in (data[0] or b"").decode("ascii").split():
            _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[] INTERNALDATE)")
            raw, received = _fetched(fetched)
            if raw is None:
                continue

            def mark_seen(uid: str = uid) -> None:
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")

            yield f"imap:{parts.hostname}/{folder}/{uid}", raw, received, mark_seen


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _fetched(
    fetched: list[tuple[bytes, bytes] | bytes | None],
) -> tuple[bytes | None, datetime | None]:
    """The message bytes and the server's INTERNALDATE, wherever the server put it."""
    raw, received = None, None
    for item in fetched:
        meta = item[0] if isinstance(item, tuple) else item
        if isinstance(item, tuple) and len(item) == 2 and raw is None:
            raw = item[1]
        found = re.search(rb'INTERNALDATE "([^"]+)"', meta) if isinstance(meta, bytes) else None
        if found and received is None:
            try:
                received = datetime.strptime(found.group(1).decode(), "%d-%b-%Y %H:%M:%S %z")
            except ValueError:
                received = None
    return raw, received
