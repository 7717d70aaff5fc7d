"""Django's SMTP backend, telling us how far a conversation got. When the connection breaks we
must know whether the message content was already on its way: before that, trying again is
safe; after it, the server may have accepted the message, so the outcome is unknown."""

import logging
import os
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.generator import BytesGenerator
from io import BytesIO
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address

from warnings_app.integrations import dkim_signing

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer
    from django.core.mail import EmailMessage
    from django.core.mail.backends.base import BaseEmailBackend

    _SMTPBase = smtplib.SMTP  # the mixin's super() is smtplib.SMTP in every class using it
else:
    _SMTPBase = object

logger = logging.getLogger(__name__)


class _Tracking(_SMTPBase):
    """Mixed into smtplib.SMTP: calls `on_content` just before the message content is sent and
    keeps the server's reply to it."""

    on_content: Callable[[], None] | None = None
    last_reply: tuple[int, str] | None = None
    _sends_in_data = -1

    def data(self, msg: "ReadableBuffer | str") -> tuple[int, bytes]:
        self._sends_in_data = 0
        try:
            code, reply = super().data(msg)
        finally:
            self._sends_in_data = -1
        self.last_reply = (
            code,
            reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply),
        )
        return code, reply

    def send(self, s: "ReadableBuffer | str") -> None:
        if self._sends_in_data >= 0:
            self._sends_in_data += 1
            # smtplib.data() sends the DATA command first, then (after 354) the content.
            if self._sends_in_data == 2 and self.on_content is not None:
                self.on_content()
        super().send(s)


class TrackingSMTP(_Tracking, smtplib.SMTP):
    pass


class TrackingSMTPSSL(_Tracking, smtplib.SMTP_SSL):
    pass


class TrackingEmailBackend(EmailBackend):
    @property
    def connection_class(self) -> type[smtplib.SMTP_SSL | smtplib.SMTP]:
        return TrackingSMTPSSL if self.use_ssl else TrackingSMTP

    def _send(self, email_message: "EmailMessage") -> bool:
        """Django's own _send, with the DKIM signature added to the very bytes that go on the
        wire. Signing comes before this message's first SMTP command, so a key that cannot be
        read stops the send with nothing handed over: DkimError, or False when the caller
        asked to fail silently. Nothing leaves unsigned by mistake. The envelope sender stays
        the message's from_email; a From given in its headers is what the message shows."""
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(addr, encoding) for addr in email_message.recipients()]
        try:
            content = dkim_signing.sign(wire_bytes(email_message))
        except dkim_signing.DkimError as exc:
            logger.error("not sent (DKIM): %s", exc)
            if not self.fail_silently:
                raise
            return False
        if self.connection is None:
            raise smtplib.SMTPServerDisconnected("the SMTP connection is not open")
        try:
            self.connection.sendmail(from_email, recipients, content)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


def wire_bytes(email_message: "EmailMessage") -> bytes:
    """The message as Django's backend puts it on the wire: CRLF line ends, and no ">" before
    lines starting "From " (Django's MIMEMixin.as_bytes, written out for the type checker)."""
    buffer = BytesIO()
    BytesGenerator(buffer, mangle_from_=False).flatten(email_message.message(), linesep="\r\n")
    return buffer.getvalue()


# One open SMTP connection per worker process, reused from one letter to the next: a campaign
# of 700 letters then opens a handful of sessions (TLS handshake, login) instead of 700.
IDLE_SECONDS = 60.0


@dataclass
class _Shared:
    """This process's open SMTP backend (None when there is none), which settings opened it,
    and when it was last used."""

    backend: TrackingEmailBackend | None = None
    key: tuple[object, ...] = ()
    used_at: float = 0.0

    def clear(self) -> None:
        self.backend, self.key, self.used_at = None, (), 0.0


_shared = _Shared()


def _settings_key() -> tuple[object, ...]:
    from django.conf import settings

    return (
        os.getpid(),  # never reuse a connection inherited across a fork
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
    )


def shared_backend() -> tuple["BaseEmailBackend", bool]:
    """(backend, reused): an open mail backend. For SMTP, the connection of this process's last
    send when it is recent, else a new one; a reused session the server has meanwhile closed
    fails before any content goes, and the caller tries once more on a new one. Other backends
    (console, locmem) are returned fresh each time."""
    from django.core.mail import get_connection

    key = _settings_key()
    shared = _shared.backend
    if shared is not None:
        if _shared.key == key and time.monotonic() - _shared.used_at < IDLE_SECONDS:
            return shared, True
        discard_shared_backend()
    backend = get_connection(fail_silently=False)
    backend.open()
    if isinstance(backend, TrackingEmailBackend) and backend.connection is not None:
        _shared.backend, _shared.key, _shared.used_at = backend, key, time.monotonic()
    return backend, False


def session_ended(exc: Exception) -> bool:
    """The server closed the session (idle timeout, restart): nothing of ours was refused."""
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421


def release_shared_backend(backend: "BaseEmailBackend", *, healthy: bool) -> None:
    """After a send: keep a healthy shared connection for the next letter; close anything else
    (a conversation that failed half-way is never reused)."""
    if healthy and _shared.backend is backend:
        _shared.used_at = time.monotonic()
        return
    if _shared.backend is backend:
        _shared.clear()
    try:
        backend.close()
    except Exception:  # closing after a broken conversation must not hide its outcome
        logger.debug("closing the SMTP connection failed", exc_info=True)


def discard_shared_backend() -> None:
    backend = _shared.backend
    _shared.clear()
    if backend is not None:
        release_shared_backend(backend, healthy=False)
