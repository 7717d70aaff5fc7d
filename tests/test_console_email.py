"""The development e-mail backend (EMAIL_URL=consolemail://, what `make run` uses) prints one line
per message: recipients, subject and each attachment with its size, never the body or base64."""

import io
import os
import subprocess
import sys
from pathlib import Path

from django.core.mail import EmailMultiAlternatives

from warnings_app.console_email import SummaryConsoleBackend

ROOT = Path(__file__).resolve().parent.parent


def _letter(pdf: bytes) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject="Reservation of rights: Example Labs Ltd",
        body="Dear Sirs and Madams,\n" * 200,
        to=["legal@example-labs.example", "dpo@example-labs.example"],
    )
    message.attach_alternative("<p>Dear Sirs and Madams,</p>" * 200, "text/html")
    message.attach("WN-2026-000001.pdf", pdf, "application/pdf")
    return message


def test_each_message_is_one_line_with_its_attachment_and_size():
    stream = io.StringIO()
    pdf = b"%PDF-1.7\n" + b"\x00\xff" * 24_000

    sent = SummaryConsoleBackend(stream=stream).send_messages([_letter(pdf), _letter(pdf)])

    lines = stream.getvalue().splitlines()
    assert sent == 2
    assert (
        lines
        == [
            "E-mail to legal@example-labs.example, dpo@example-labs.example: "
            '"Reservation of rights: Example Labs Ltd" [WN-2026-000001.pdf, 48,009 bytes]'
        ]
        * 2
    )


def test_the_console_url_selects_the_one_line_backend():
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}} | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "WARNINGS_IGNORE_DOTENV": "1",
        "DEBUG": "true",
        "EMAIL_URL": "consolemail://",
    }

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.EMAIL_BACKEND)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.strip() == "warnings_app.console_email.SummaryConsoleBackend"
