"""The development e-mail backend (EMAIL_URL=consolemail://, what `make run` uses) prints one line
per message: recipients, subject and each attachment with its size, never the body or base64."""

import io

from django.core.mail import EmailMultiAlternatives

from tests.process_helpers import process_env, run_python
from warnings_app.integrations.console_email import SummaryConsoleBackend


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
    env = process_env(DEBUG="true", EMAIL_URL="consolemail://")

    result = run_python(
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EMAIL_BACKEND)",
        env=env,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "warnings_app.integrations.console_email.SummaryConsoleBackend"


def test_with_a_dkim_key_each_message_is_signed_and_says_so(settings, tmp_path):
    from warnings_app.integrations.dkim_signing import new_private_key_pem

    key = tmp_path / "demo.key"
    key.write_bytes(new_private_key_pem())
    settings.DKIM_DOMAIN, settings.DKIM_SELECTOR, settings.DKIM_KEY_FILE = (
        "localhost",
        "demo",
        str(key),
    )
    stream = io.StringIO()

    SummaryConsoleBackend(stream=stream).send_messages([_letter(b"%PDF-1.7\n")])

    assert stream.getvalue().rstrip().endswith("(DKIM-signed, d=localhost s=demo)")
    key.write_bytes(b"not a key")  # a key that cannot sign: nothing is "sent"
    import pytest

    from warnings_app.integrations.dkim_signing import DkimError

    with pytest.raises(DkimError):
        SummaryConsoleBackend(stream=io.StringIO()).send_messages([_letter(b"%PDF-1.7\n")])
