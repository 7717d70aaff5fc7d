"""Inbound replies from real .eml files and a real Maildir: each lands where it should, once."""

import hashlib
import mailbox
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.letters_helpers import sent_notice
from tests.mail_helpers import OUR_SERVER, as_our_server_passes_it, mail
from warnings_app.models import AuditEvent, DeliveryAttempt, Response
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.selectors.work_queue import section_items
from warnings_app.services.replies import reply_ingest
from warnings_app.tasks import ingest_replies_task

pytestmark = pytest.mark.django_db


def _write_eml(folder, name, message) -> bytes:
    raw = message.as_bytes() if hasattr(message, "as_bytes") else message
    (folder / f"{name}.eml").write_bytes(raw)
    return raw


def test_replies_in_a_folder_land_where_they_should_and_a_second_run_adds_nothing(
    smtp_server, tmp_path, settings
):
    settings.REPLY_AUTHSERV_ID = OUR_SERVER
    notice, sent = sent_notice(smtp_server)
    other, _ = sent_notice(smtp_server)
    reply_raw = _write_eml(
        tmp_path,
        "1-reply",
        as_our_server_passes_it(
            mail(
                sender=f"Legal <legal@{notice.company.domain}>",
                to=sent["Reply-To"],
                subject=f"Re: {sent['Subject']}",
                body="We acknowledge receipt of your letter.",
                Message_ID="<reply-1@example.net>",
                In_Reply_To=sent["Message-ID"],
            ),
            dmarc="pass",
        ),
    )
    _write_eml(
        tmp_path,
        "2-quotes-reference",
        mail(
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
        mail(
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
    assert (direct.notice, direct.matched_by, direct.trust) == (notice, "reply_address", "trusted")
    assert direct.raw_sha256 == hashlib.sha256(reply_raw).hexdigest()
    assert direct.raw_message.read() == reply_raw
    # A quoted reference names the letter but proves nothing: a person confirms it.
    quoted = Response.objects.get(message_id="<reply-2@example.net>")
    assert (quoted.notice, quoted.suggested_notice, quoted.matched_by) == (None, other, "reference")
    assert quoted.trust_reason == "reference quoted but no token"
    triage = Response.objects.get(message_id="<promo@shop.example>")
    assert (triage.notice, triage.company, triage.matched_by) == (None, None, "unmatched")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RESPONDED
    assert AuditEvent.objects.filter(verb="reply.ingested").count() == 3


def test_imap_ingestion_from_a_real_server_matches_and_a_second_run_adds_nothing(
    smtp_server, settings
):
    from tests.imap_server import ImapServer

    settings.REPLY_AUTHSERV_ID = OUR_SERVER
    notice, sent = sent_notice(smtp_server)
    other, _ = sent_notice(smtp_server)
    with ImapServer() as imap:
        settings.IMAP_URL = imap.url
        for message in [
            as_our_server_passes_it(
                mail(
                    sender=f"legal@{notice.company.domain}",
                    to=sent["Reply-To"],
                    subject=f"Re: {sent['Subject']}",
                    body="Received; we are looking into it.",
                    Message_ID="<imap-reply@example.net>",
                ),
                dmarc="pass",
            ),
            mail(
                sender="counsel@outside-firm.example",
                to="info@legal.example",
                subject=f"Your ref {other.reference}",
                body="We act for the addressee.",
                Message_ID="<imap-reference@example.net>",
            ),
            mail(
                sender="someone@elsewhere.example",
                to="info@legal.example",
                subject="Lunch?",
                body="Friday?",
                Message_ID="<imap-unrelated@example.net>",
            ),
        ]:
            imap.deliver(message if isinstance(message, bytes) else message.as_bytes())

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
    quoted = Response.objects.get(message_id="<imap-reference@example.net>")
    assert (quoted.notice, quoted.suggested_notice) == (None, other)
    received = Response.objects.get(message_id="<imap-unrelated@example.net>").received_at
    assert abs(received - timezone.now()).total_seconds() < 120  # the server's INTERNALDATE


def test_a_maildir_is_read_once_and_a_sender_domain_only_suggests_the_notice(smtp_server, tmp_path):
    notice, _ = sent_notice(smtp_server)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(
        mail(
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
    notice, sent = sent_notice(smtp_server)
    report = EmailMessage()
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example>"
    report["To"] = notice.deliveries.get().return_path  # the attempt's own bounce address
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


def test_a_bad_source_is_refused_with_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a Maildir"):
        call_command("ingest_replies", maildir=tmp_path)
    with pytest.raises(CommandError, match="IMAP_URL is not set"):
        call_command("ingest_replies", imap=True)
    assert not Response.objects.exists()


def test_machine_written_mail_is_kept_but_never_taken_as_an_answer(smtp_server):
    notice, sent = sent_notice(smtp_server)
    away = mail(
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
    assert (first.notice, second.notice) == (notice, None)  # a delay report without a token
    assert notice.reference not in second.body_text  # the returned letter is not its text
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert notice.deliveries.get().outcome == DeliveryAttempt.Outcome.ACCEPTED
    from warnings_app.services.followups import ladder_stop_reason

    assert ladder_stop_reason(notice) == ""


def test_a_bounce_report_for_another_recipient_changes_nothing(smtp_server):
    notice, sent = sent_notice(smtp_server)
    forged = (
        b"From: MAILER-DAEMON@evil.example\r\nMessage-ID: <forged@evil.example>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; evil\r\n\r\n"
        b"Final-Recipient: rfc822; someone-else@evil.example\r\nAction: failed\r\n"
        b"Status: 5.1.1\r\n\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: " + sent["Message-ID"].encode() + b"\r\n\r\n--b--\r\n"
    )  # fmt: skip

    response, _ = reply_ingest(raw=forged, source="test")

    assert (response.kind, response.notice, response.trust) == ("bounce", None, "unconfirmed")
    assert response.trust_reason == "delivery report without a bounce token"
    assert list(section_items("triage")) == [response]
    attempt = notice.deliveries.get()
    assert attempt.outcome == DeliveryAttempt.Outcome.ACCEPTED
    assert attempt.server_reply.startswith("250")
