"""The development e-mail backend (EMAIL_URL=consolemail://): one line per message on the
console — recipients, subject, attachments with their sizes — instead of Django's console
backend, which prints every letter's PDF as base64."""

import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from django.core.mail.backends.base import BaseEmailBackend

from warnings_app.integrations import dkim_signing
from warnings_app.integrations.smtp import wire_bytes

if TYPE_CHECKING:
    from django.core.mail import EmailMessage


def summary_line(message: "EmailMessage") -> str:
    """'E-mail to a@x.example, b@y.example: "Subject" [WN-2026-000001.pdf, 48,213 bytes]'."""
    recipients = ", ".join(message.recipients()) or "(no recipient)"
    files = []
    for attachment in message.attachments:
        if isinstance(attachment, tuple | list):
            name, content = attachment[0], attachment[1]
        else:  # a MIME part attached as it is
            name = attachment.get_filename() or attachment.get_content_type()
            content = attachment.get_payload(decode=True) or b""
        files.append(f"{name}, {len(content):,} bytes")
    attached = f" [{'; '.join(files)}]" if files else ""
    return f'E-mail to {recipients}: "{message.subject}"{attached}'


def _signed(message: "EmailMessage") -> str:
    """Signed as the SMTP backend would sign it, when DKIM is configured (the local stack makes
    a demo key): a message that cannot be signed is not "sent" here either."""
    config = dkim_signing.dkim_settings()
    if config is None:
        return ""
    dkim_signing.sign(wire_bytes(message))
    return f" (DKIM-signed, d={config.domain} s={config.selector})"


class SummaryConsoleBackend(BaseEmailBackend):
    def __init__(self, *args: Any, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send_messages(self, email_messages: Sequence["EmailMessage"]) -> int:
        sent = 0
        with self._lock:
            for message in email_messages:
                self.stream.write(summary_line(message) + _signed(message) + "\n")
                sent += 1
            self.stream.flush()
        return sent
