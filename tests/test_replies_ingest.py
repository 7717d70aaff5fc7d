"""Inbound replies from real .eml files and a real Maildir: each lands where it should, once."""

import hashlib
import mailbox
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import UserFactory
from tests.letters_helpers import notice_with_schedule
from warnings_app import services
from warnings_app.lifecycle import NoticeStatus
from warnings_app.models import AuditEvent, DeliveryAttempt, Response
from warnings_app.services.delivery import notice_deliver, notice_queue
from warnings_app.services.replies import reply_ingest
from warnings_app.tasks import ingest_replies_task
from warnings_app.work_queue import section_items

pytestmark = pytest.mark.django_db


def _sent_notice(smtp_server):
    notice = notice_with_schedule()
    notice = services.notice_render(notice=notice, by=notice.created_by)
    notice = services.notice_approve(notice=notice, by=UserFactory(role="Legal"))
    notice_queue(notice=notice, by=None)
    assert notice_deliver(notice_id=notice.pk, worker="w") == "sent"
    notice.refresh_from_db()
    return notice, smtp_server.handler.received[-1].message


def _mail(*, sender, to, subject, body, **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def _write_eml(folder, name, message) -> bytes:
    raw = message.as_bytes() if hasattr(message, "as_bytes") else message
    (folder / f"{name}.eml").write_bytes(raw)
    return raw


def test_replies_in_a_folder_land_where_they_should_and_a_second_run_adds_nothing(
    smtp_server, tmp_path
):
    notice, sent = _sent_notice(smtp_server)
    other, _ = _sent_notice(smtp_server)
    reply_raw = _write_eml(
        tmp_path,
        "1-reply",
        _mail(
            sender=f"Legal <legal@{notice.company.domain}>",
            to=sent["Reply-To"],
            subject=f"Re: {sent['Subject']}",
            body="We acknowledge receipt of your letter.",
            Message_ID="<reply-1@example.net>",
            In_Reply_To=sent["Message-ID"],
        ),
    )
    _write_eml(
        tmp_path,
        "2-quotes-reference",
        _mail(
            sender="someone@unrelated-law-firm.example",
            to="info@legal.example",
            subject="Your letter",
            body=f"We act for the recipient of your letter {other.reference} and will revert.",
            Message_ID="<reply-2@example.net>",
        ),
    )
    _write_eml(
        tmp_path,
        "3-unrelated",
        _mail(
            sender="newsletter@shop.example",
            to="info@legal.example",
            subject="Black Friday offers",
            body="50% off everything",
            Message_ID="<promo@shop.example>",
        ),
    )

    call_command("ingest_replies", folder=tmp_path)
    call_command("ingest_replies", folder=tmp_path)  # the same mailbox again

    assert Response.objects.count() == 3
    direct = Response.objects.get(message_id="<reply-1@example.net>")
    assert (direct.notice, direct.matched_by) == (notice, "reply_address")
    assert direct.raw_sha256 == hashlib.sha256(reply_raw).hexdigest()
    assert direct.raw_message.read() == reply_raw
    quoted = Response.objects.get(message_id="<reply-2@example.net>")
    assert (quoted.notice, quoted.matched_by) == (other, "reference")
    triage = Response.objects.get(message_id="<promo@shop.example>")
    assert (triage.notice, triage.company, triage.matched_by) == (None, None, "unmatched")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RESPONDED
    assert AuditEvent.objects.filter(verb="reply.ingested").count() == 3


def test_imap_ingestion_from_a_real_server_matches_and_a_second_run_adds_nothing(
    smtp_server, settings
):
    from tests.imap_server import ImapServer

    notice, sent = _sent_notice(smtp_server)
    other, _ = _sent_notice(smtp_server)
    with ImapServer() as imap:
        settings.IMAP_URL = imap.url
        for message in [
            _mail(
                sender=f"legal@{notice.company.domain}",
                to=sent["Reply-To"],
                subject=f"Re: {sent['Subject']}",
                body="Received; we are looking into it.",
                Message_ID="<imap-reply@example.net>",
            ),
            _mail(
                sender="counsel@outside-firm.example",
                to="info@legal.example",
                subject=f"Your ref {other.reference}",
                body="We act for the addressee.",
                Message_ID="<imap-reference@example.net>",
            ),
            _mail(
                sender="someone@elsewhere.example",
                to="info@legal.example",
                subject="Lunch?",
                body="Friday?",
                Message_ID="<imap-unrelated@example.net>",
            ),
        ]:
            imap.deliver(message.as_bytes())

        call_command("ingest_replies", imap=True)
        assert ingest_replies_task() == {  # what beat runs: all seen now, nothing to read
            "read": 0, "stored": 0, "known": 0, "bounces": 0, "triage": 0, "errors": 0,
        }  # fmt: skip
        call_command("ingest_replies", imap=True, all=True)  # read again: all known

    matched = dict(Response.objects.values_list("message_id", "matched_by"))
    assert matched == {
        "<imap-reply@example.net>": "reply_address",
        "<imap-reference@example.net>": "reference",
        "<imap-unrelated@example.net>": "unmatched",
    }
    assert Response.objects.get(message_id="<imap-reply@example.net>").notice == notice
    assert Response.objects.get(message_id="<imap-reference@example.net>").notice == other
    received = Response.objects.get(message_id="<imap-unrelated@example.net>").received_at
    assert abs(received - timezone.now()).total_seconds() < 120  # the server's INTERNALDATE


def test_a_maildir_is_read_once_and_a_sender_domain_only_suggests_the_notice(smtp_server, tmp_path):
    notice, _ = _sent_notice(smtp_server)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(
        _mail(
            sender=f"ceo@mail.{notice.company.domain}",
            to="info@legal.example",
            subject="Concerning your letter",
            body="Please call me.",
            Message_ID="<by-domain@example.net>",
        ).as_bytes()
    )

    call_command("ingest_replies", maildir=tmp_path / "Maildir")
    call_command("ingest_replies", maildir=tmp_path / "Maildir")

    reply = Response.objects.get()
    assert (reply.company, reply.notice, reply.matched_by) == (notice.company, None, "domain")
    assert list(section_items("triage")) == [reply]  # a person picks the notice
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT  # a guess moves nothing
    from warnings_app.services.followups import ladder_stop_reason

    assert ladder_stop_reason(notice) == ""  # nor does it stop the letters


def test_a_bounce_report_marks_the_delivery_bounced_and_is_no_reply(smtp_server):
    notice, sent = _sent_notice(smtp_server)
    report = EmailMessage()
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example>"
    report["To"] = "notices@localhost"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = "<dsn-1@mx.example>"
    report.set_content("Your message could not be delivered.")
    report.make_mixed()
    raw = report.as_bytes().replace(b"multipart/mixed", b"multipart/report", 1)
    raw = raw.replace(
        b'multipart/report; boundary="',
        b'multipart/report; report-type=delivery-status; boundary="',
    )
    boundary = report.get_boundary().encode()
    status = (
        b"--" + boundary + b"\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example\r\n\r\n"
        b"Final-Recipient: rfc822; " + sent["To"].encode() + b"\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        b"--" + boundary + b"\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: " + sent["Message-ID"].encode() + b"\r\n"
        b"Subject: " + sent["Subject"].encode() + b"\r\n\r\n"
        b"--" + boundary + b"--\r\n"
    )
    raw = raw.replace(b"--" + boundary + b"--", status.rstrip(b"\r\n"))

    response, created = reply_ingest(raw=raw, source="test")

    assert created
    assert response.kind == Response.Kind.BOUNCE
    attempt = notice.deliveries.get()
    assert attempt.outcome == DeliveryAttempt.Outcome.BOUNCED
    assert "5.1.1" in attempt.server_reply
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.BOUNCED
    assert list(section_items("bounced")) == [notice]  # in the paralegals' queue
    from warnings_app.services.followups import ladder_stop_reason

    assert ladder_stop_reason(notice) != "a reply was logged"


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
    message = _mail(
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


def test_a_bad_source_is_refused_with_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a Maildir"):
        call_command("ingest_replies", maildir=tmp_path)
    with pytest.raises(CommandError, match="IMAP_URL is not set"):
        call_command("ingest_replies", imap=True)
    assert not Response.objects.exists()


def test_machine_written_mail_is_kept_but_never_taken_as_an_answer(smtp_server):
    notice, sent = _sent_notice(smtp_server)
    away = _mail(
        sender=f"legal@{notice.company.domain}",
        to=sent["Reply-To"],
        subject="Automatic reply: out of office",
        body="I am away until Monday.",
        Message_ID="<ooo@example.net>",
        In_Reply_To=sent["Message-ID"],
        Auto_Submitted="auto-replied",
    )
    delayed = (
        b"From: MAILER-DAEMON@mx.example\r\nMessage-ID: <delay@mx.example>\r\n"
        b"Subject: Delivery delayed\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nStill trying.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; x@y\r\nAction: delayed\r\nStatus: 4.4.7\r\n\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: " + notice.reference.encode()
        + b"\r\nMessage-ID: " + sent["Message-ID"].encode() + b"\r\n\r\nYour letter "
        + notice.reference.encode() + b"\r\n--b--\r\n"
    )  # fmt: skip

    first, _ = reply_ingest(raw=away.as_bytes(), source="test")
    second, _ = reply_ingest(raw=delayed, source="test")

    assert (first.kind, second.kind) == ("automatic", "automatic")
    assert notice.reference not in second.body_text  # the returned letter is not its text
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert notice.deliveries.get().outcome == DeliveryAttempt.Outcome.ACCEPTED
    from warnings_app.services.followups import ladder_stop_reason

    assert ladder_stop_reason(notice) == ""


def test_a_bounce_report_for_another_recipient_changes_nothing(smtp_server):
    notice, sent = _sent_notice(smtp_server)
    forged = (
        b"From: MAILER-DAEMON@evil.example\r\nMessage-ID: <forged@evil.example>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; evil\r\n\r\n"
        b"Final-Recipient: rfc822; someone-else@evil.example\r\nAction: failed\r\n"
        b"Status: 5.1.1\r\n\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: " + sent["Message-ID"].encode() + b"\r\n\r\n--b--\r\n"
    )  # fmt: skip

    response, _ = reply_ingest(raw=forged, source="test")

    assert response.kind == "automatic"
    assert "matches none of our accepted deliveries" in response.problems
    attempt = notice.deliveries.get()
    assert attempt.outcome == DeliveryAttempt.Outcome.ACCEPTED
    assert attempt.server_reply.startswith("250")


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
    first = _mail(sender="a@b.example", to="x@y", subject="One", body="1", Message_ID="<same@b>")
    second = _mail(sender="c@d.example", to="x@y", subject="Two", body="2", Message_ID="<same@b>")

    one, _ = reply_ingest(raw=first.as_bytes(), source="test")
    two, created = reply_ingest(raw=second.as_bytes(), source="test")
    again, created_again = reply_ingest(raw=second.as_bytes(), source="test")

    assert created
    assert two != one
    assert two.subject == "Two"
    assert "already used the Message-ID" in two.problems
    assert (again, created_again) == (two, False)
