"""Django's SMTP backend, telling us how far a conversation got. When the connection breaks we
must know whether the message content was already on its way: before that, trying again is
safe; after it, the server may have accepted the message, so the outcome is unknown."""

import smtplib
from collections.abc import Callable

from django.core.mail.backends.smtp import EmailBackend


class _Tracking:
    """Mixed into smtplib.SMTP: calls `on_content` just before the message content is sent and
    keeps the server's reply to it."""

    on_content: Callable[[], None] | None = None
    last_reply: tuple[int, str] | None = None
    _sends_in_data = -1

    def data(self, msg):
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

    def send(self, s):
        if self._sends_in_data >= 0:
            self._sends_in_data += 1
            # smtplib.data() sends the DATA command first, then (after 354) the content.
            if self._sends_in_data == 2 and self.on_content is not None:
                self.on_content()
        return super().send(s)


class TrackingSMTP(_Tracking, smtplib.SMTP):
    pass


class TrackingSMTPSSL(_Tracking, smtplib.SMTP_SSL):
    pass


class TrackingEmailBackend(EmailBackend):
    @property
    def connection_class(self):
        return TrackingSMTPSSL if self.use_ssl else TrackingSMTP
