"""Our letters through a real Postfix to real Dovecot mailboxes (tests/mail_system.py): a letter
to a known address arrives whole; one to an address that no longer exists is accepted at SMTP
time (so it is marked sent), then Postfix's own bounce comes back to the attempt's VERP address
and, read over IMAP, marks exactly that delivery bounced with Postfix's diagnostic."""

import smtplib
from email.message import EmailMessage, Message

import pytest
from django.core.management import call_command

from tests.factories import (
    CompanyFactory,
    ContactFactory,
    PrincipalFactory,
    TemplateVersionFactory,
    UserFactory,
    WorkFactory,
    make_notice,
)
from tests.letters_helpers import LETTER_BODY
from tests.mail_system import LEGAL, NOTICES, MailSystem
from warnings_app import services
from warnings_app.integrations.emails import bounce_address, notice_message_id
from warnings_app.models import AuditEvent, DeliveryAttempt, Notice, Response
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.delivery.queue import notice_queue
from warnings_app.services.delivery.send import notice_deliver
from warnings_app.services.rendering import stored_pdf_bytes

pytestmark = pytest.mark.django_db
Outcome = DeliveryAttempt.Outcome


@pytest.fixture(scope="module")
def mail_system():
    """One Postfix and Dovecot for the module: starting them takes about three seconds."""
    with MailSystem() as system:
        yield system


@pytest.fixture
def via_postfix(mail_system, settings):
    """Django's mail settings pointed at the Postfix, the reply mailbox at Dovecot's `notices`,
    and both mailboxes emptied: each test reads only what it caused."""
    settings.EMAIL_BACKEND = "warnings_app.integrations.smtp.TrackingEmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mail_system.smtp_port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.NOTICE_REPLY_MAILBOX = NOTICES
    settings.MESSAGE_ID_DOMAIN = "notices.test"
    settings.IMAP_URL = mail_system.imap_url(NOTICES)
    for user in (NOTICES, LEGAL):
        mail_system.empty(user)
    yield mail_system
    from warnings_app.integrations.smtp import discard_shared_backend

    discard_shared_backend()  # the process's SMTP session must not outlive this Postfix


def _queued_notice(company, address: str) -> Notice:
    """An approved, queued letter to `address` at `company`, rendered by the real renderer."""
    contact = ContactFactory(company=company, email=address)
    principal = PrincipalFactory(
        legal_name="Northlight Records Ltd",
        signatory_name="Harriet Vale",
        signatory_title="General Counsel",
    )
    notice = make_notice(
        company=company,
        contact=contact,
        template_version=TemplateVersionFactory(subject="Reservation of rights", body=LETTER_BODY),
        principals=[principal],
        works=[WorkFactory(principal=principal) for _ in range(2)],
        by=UserFactory(role="Legal"),
    )
    notice = services.notice_render(notice=notice, by=notice.created_by)
    notice = services.notice_approve(notice=notice, by=UserFactory(role="Legal"))
    notice_queue(notice=notice, by=None)
    return notice


def _pdf_attachments(message: Message) -> list[tuple[str | None, bytes]]:
    return [
        (part.get_filename(), part.get_payload(decode=True))
        for part in message.walk()
        if part.get_content_type() == "application/pdf"
    ]


def _delivery_status(message: Message) -> str:
    """The machine-readable part of a bounce (RFC 3464), as text."""
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            return "\n".join(str(block) for block in part.get_payload())
    return ""


def test_postfix_accepts_an_unknown_recipient_then_bounces_to_the_plus_addressed_sender(
    mail_system,
):
    """The mail system itself: what a real MTA does, before any of our code is involved."""
    mail_system.empty(NOTICES)
    verp = "notices+b-1-s1-aaaaaaaaaaaaaaaa@notices.test"
    message = EmailMessage()
    message["From"] = "Rights Team <notices@notices.test>"
    message["To"] = "unknown@company.test"
    message["Subject"] = "Reservation of rights"
    message["Message-ID"] = "<infrastructure-probe@notices.test>"
    message.set_content("A letter for someone who has left.")

    with smtplib.SMTP("127.0.0.1", mail_system.smtp_port, timeout=10) as client:
        refused = client.send_message(message, from_addr=verp, to_addrs=["unknown@company.test"])
    bounce = mail_system.wait_for(NOTICES, lambda found: found["To"] == verp)

    assert refused == {}  # accepted at SMTP time: the refusal comes later, from Postfix
    assert bounce["Delivered-To"] == verp  # the +detail survives the trip into the mailbox
    assert bounce["Return-Path"] == "<>"  # a bounce has no envelope sender: it never loops
    assert bounce.get_content_type() == "multipart/report"
    status = _delivery_status(bounce)
    assert "Final-Recipient: rfc822; unknown@company.test" in status
    assert "Status: 5.1.1" in status
    assert "User doesn't exist" in status
    assert "<infrastructure-probe@notices.test>" in bounce.as_string()  # the original returned
    mail_system.empty(NOTICES)  # not a bounce of ours: no other test should read it


def test_a_letter_relayed_by_postfix_arrives_with_the_stored_pdf_and_its_message_id(via_postfix):
    company = CompanyFactory(domain="company.test", legal_name="Company Test GmbH")
    notice = _queued_notice(company, LEGAL)

    assert notice_deliver(notice_id=notice.pk, worker="w") == "sent"
    attempt = notice.deliveries.get()
    arrived = via_postfix.wait_for(LEGAL, lambda found: found["X-Notice-Reference"] is not None)

    assert arrived["Message-ID"] == notice_message_id(notice) == attempt.message_id
    assert _pdf_attachments(arrived) == [(f"{notice.reference}.pdf", stored_pdf_bytes(notice))]
    # The envelope sender Postfix received is the attempt's own bounce address.
    assert arrived["Return-Path"] == f"<{bounce_address(attempt.pk)}>"
    assert attempt.outcome == Outcome.ACCEPTED
    assert attempt.server_reply.startswith("250")


def test_postfix_bounces_a_letter_for_an_unknown_address_and_only_that_delivery_is_bounced(
    via_postfix,
):
    company = CompanyFactory(domain="company.test", legal_name="Company Test GmbH")
    known = _queued_notice(company, LEGAL)
    gone = _queued_notice(company, "unknown@company.test")  # someone who has left

    assert notice_deliver(notice_id=known.pk, worker="w") == "sent"
    assert notice_deliver(notice_id=gone.pk, worker="w") == "sent"  # Postfix said 250 to both
    bounced_attempt = gone.deliveries.get()
    verp = bounce_address(bounced_attempt.pk)
    report = via_postfix.wait_for(NOTICES, lambda found: found["Delivered-To"] == verp)
    via_postfix.wait_for(LEGAL, lambda found: found["Message-ID"] == notice_message_id(known))
    call_command("ingest_replies", "--imap")

    assert report["From"] == "Mail Delivery System <MAILER-DAEMON@mail.notices.test>"
    bounced_attempt.refresh_from_db()
    assert bounced_attempt.outcome == Outcome.BOUNCED
    assert "5.1.1" in bounced_attempt.server_reply
    assert "User doesn't exist" in bounced_attempt.server_reply  # Dovecot's words, via Postfix
    gone.refresh_from_db()
    assert gone.status == NoticeStatus.BOUNCED
    assert list(DeliveryAttempt.objects.filter(outcome=Outcome.BOUNCED)) == [bounced_attempt]
    known.refresh_from_db()
    assert known.status == NoticeStatus.SENT
    assert known.deliveries.get().outcome == Outcome.ACCEPTED
    assert Response.objects.get().kind == Response.Kind.BOUNCE
    assert AuditEvent.objects.filter(verb="delivery.bounced").count() == 1
