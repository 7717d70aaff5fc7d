"""Mail that is hostile, broken or odd: each is stored (or refused) with a clear reason and
never crashes ingestion or runs anything."""

from email.message import EmailMessage

import pytest

from tests.mail_helpers import mail
from warnings_app.services.replies import reply_ingest

pytestmark = pytest.mark.django_db


def test_hostile_and_broken_mail_is_stored_safely_or_refused_with_a_reason(settings):
    html = EmailMessage()
    html["From"] = "x@attacker.example"
    html["To"] = "notices@localhost"
    html["Subject"] = "Hello"
    html["Message-ID"] = "<html@attacker.example>"
    html.set_content(
        '<p onclick="steal()">Read <b>this</b><script>alert(1)</script>'
        '<img src="https://tracker.example/pixel.png"><a href="javascript:evil()">x</a></p>',
        subtype="html",
    )
    legacy = (
        b"From: =?x-no-such-charset?q?Jos=E9?= <jose@example.org>\r\n"
        b"Subject: r\xe9ponse \xe0 votre lettre\r\nMessage-ID: <legacy@example.org>\r\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        b"--never-closed\r\nContent-Type: text/plain; charset=klingon\r\n\r\ncaf\xe9\r\n"
    )
    big = EmailMessage()
    big["From"] = "y@example.org"
    big["Subject"] = "Our evidence"
    big["Message-ID"] = "<big@example.org>"
    big.set_content("See attached.")
    big.add_attachment(
        b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024),
        maintype="application",
        subtype="pdf",
        filename="evidence.pdf",
    )
    lying = EmailMessage()
    lying["From"] = "z@example.org"
    lying["Message-ID"] = "<lying@example.org>"
    lying.set_content("invoice")
    lying.add_attachment(b"MZ\x90\x00binary", maintype="application", subtype="pdf",
                         filename="invoice.pdf")  # fmt: skip

    stored = {
        name: reply_ingest(raw=message, source="test")[0]
        for name, message in {
            "html": html.as_bytes(),
            "legacy": legacy,
            "big": big.as_bytes(),
            "lying": lying.as_bytes(),
        }.items()
    }

    safe = stored["html"].body_html
    assert "<b>this</b>" in safe
    for danger in ("<script", "alert(1)", "<img", "tracker.example", "onclick", "javascript:"):
        assert danger not in safe
    assert "Read this" in stored["html"].body_text
    assert stored["legacy"].subject == "réponse à votre lettre"
    assert stored["legacy"].body_text == "café"
    assert "malformed MIME" in stored["legacy"].problems
    [evidence] = stored["big"].attachments.all()
    assert not evidence.file
    assert evidence.size > 50 * 1024 * 1024
    assert "over the 26 MB limit" in evidence.refused_reason
    assert stored["big"].raw_message.size == len(big.as_bytes())  # the evidence is kept whole
    [invoice] = stored["lying"].attachments.all()
    assert (invoice.declared_type, invoice.content_type) == (
        "application/pdf",
        "application/x-msdownload",
    )


def test_a_message_over_the_size_limit_goes_to_triage_with_the_reason(settings):
    settings.REPLY_MAX_MESSAGE_BYTES = 10_000
    message = mail(
        sender="a@b.example",
        to="notices@localhost",
        subject="Huge",
        body="x" * 20_000,
        Message_ID="<huge@b.example>",
    )

    response, created = reply_ingest(raw=message.as_bytes(), source="test")
    again, created_again = reply_ingest(raw=message.as_bytes(), source="test")

    assert created
    assert not created_again
    assert again == response
    assert not response.raw_message
    assert response.subject == "Huge"
    assert "over the 0 MB limit: not stored" in response.problems


def test_odd_encodings_and_broken_reports_are_stored_not_crashed_on():
    messages = {
        "utf7": b"From: a@b.example\r\nMessage-ID: <u7@b>\r\n"
        b"Content-Type: text/plain; charset=utf-7\r\n\r\nhi +2D8- there\r\n",
        "idna": b"From: a@b.example\r\nMessage-ID: <idna@b>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n"
        b"Content-Disposition: attachment; filename*=idna''%E9\r\n\r\ndata\r\n--b--\r\n",
        "empty-id": b"From: MAILER-DAEMON@mx.example\r\nMessage-ID: <e@mx>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; x@y\r\nAction: failed\r\n\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\nMessage-ID: <>\r\n\r\nx\r\n--b--\r\n",
        "references": b"From: a@b.example\r\nMessage-ID: <refs@b>\r\nReferences: <x."
        + b"9" * 5000 + b"@notices.localhost>\r\n\r\nbody\r\n",
        "long-sender": b"From: " + b"N" * 200 + b" <" + b"a" * 240 + b"@" + b"b" * 250
        + b".example>\r\nMessage-ID: <long@b>\r\n\r\nbody\r\n",
    }  # fmt: skip

    stored = {name: reply_ingest(raw=raw, source="test") for name, raw in messages.items()}

    assert all(created for _, created in stored.values())
    assert "hi" in stored["utf7"][0].body_text
    assert len(stored["long-sender"][0].sender) <= 500


def test_a_second_message_reusing_a_message_id_is_kept_apart():
    first = mail(sender="a@b.example", to="x@y", subject="One", body="1", Message_ID="<same@b>")
    second = mail(sender="c@d.example", to="x@y", subject="Two", body="2", Message_ID="<same@b>")

    one, _ = reply_ingest(raw=first.as_bytes(), source="test")
    two, created = reply_ingest(raw=second.as_bytes(), source="test")
    again, created_again = reply_ingest(raw=second.as_bytes(), source="test")

    assert created
    assert two != one
    assert two.subject == "Two"
    assert "already used the Message-ID" in two.problems
    assert (again, created_again) == (two, False)
