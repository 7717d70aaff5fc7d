"""Nobody outside can move a notice, stop its reminders or mark its delivery bounced: only a reply
whose address token is ours and whose sender is authenticated for the company acts by itself, and
only a report sent to the delivery's own bounce address marks it. Every forgery here leaves the
notice, its ladder and its deliveries as they were, and waits in triage with its reason."""

from collections.abc import Callable
from typing import TYPE_CHECKING

import dkim
import pytest
from django.utils import timezone
from dkim import dknewkey

from tests.factories import ContactFactory, UserFactory
from tests.letters_helpers import sent_notice
from tests.mail_helpers import OUR_SERVER, as_our_server_passes_it, mail
from warnings_app.domain.mail_tokens import reply_detail
from warnings_app.models import AuditEvent, DeliveryAttempt, FollowUp, Response
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.selectors.work_queue import section_items
from warnings_app.services.followups import ladder_stop_reason
from warnings_app.services.replies import reply_ingest

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.django_db
ATTACKER = "attacker@evil.example"


@pytest.fixture(autouse=True)
def _our_server(settings):
    settings.REPLY_AUTHSERV_ID = OUR_SERVER


def _state(notice) -> tuple:
    """Everything a forged message must not change."""
    notice.refresh_from_db()
    deliveries = list(notice.deliveries.values_list("outcome", "server_reply"))
    ladder = list(FollowUp.objects.filter(notice=notice).values_list("pk", "status"))
    return notice.status, deliveries, ladder, ladder_stop_reason(notice)


def _assert_waits(response: Response, notice, reason: str) -> None:
    assert response.notice is None
    assert response.trust == Response.Trust.UNCONFIRMED
    assert response.trust_reason == reason
    assert response in section_items("triage")
    if response.kind == Response.Kind.REPLY:
        assert response.suggested_notice == notice


def _reply(notice, sent, *, sender: str, to: str, n: int, **headers):
    return mail(
        sender=sender,
        to=to,
        subject=f"Re: {notice.reference}",
        body=f"We accept your terms for {notice.reference}.",
        Message_ID=f"<forgery-{n}@example.net>",
        **headers,
    )


def test_the_attackers_reply_to_a_bare_reference_address_moves_nothing(smtp_server):
    notice, sent = sent_notice(smtp_server)
    before = _state(notice)
    raw = as_our_server_passes_it(
        _reply(notice, sent, sender=ATTACKER, to=f"notices+{notice.reference}@localhost", n=1),
        spf="pass",
        dmarc="pass",  # the attacker's own domain authenticates: it is still not the company
    )

    response, _ = reply_ingest(raw=raw, source="test")

    assert _state(notice) == before
    reason = "sent to the bare reference address of a letter that carried a token"
    _assert_waits(response, notice, reason)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda detail: detail[:-1] + ("a" if detail[-1] != "a" else "b"),
            "the address token is not valid",
        ),
        (lambda detail: detail.replace("-s1-", "-k9-"), "the address token is not valid"),
        (
            lambda detail: detail.rsplit("-", 1)[0] + "-" + "a" * 16,
            "the address token is not valid",
        ),
    ],
    ids=["one-character-altered", "unknown-key", "guessed-token"],
)
def test_an_altered_or_guessed_token_moves_nothing(smtp_server, change: Callable, reason: str):
    notice, sent = sent_notice(smtp_server)
    before = _state(notice)
    detail = change(reply_detail(notice.reference))
    raw = as_our_server_passes_it(
        _reply(
            notice,
            sent,
            sender=f"legal@{notice.company.domain}",
            to=f"notices+{detail}@localhost",
            n=2,
        ),
        dmarc="pass",
    )

    response, _ = reply_ingest(raw=raw, source="test")

    assert _state(notice) == before
    _assert_waits(response, notice, reason)


def test_a_quoted_reference_or_our_message_id_from_an_unknown_sender_moves_nothing(smtp_server):
    notice, sent = sent_notice(smtp_server)
    before = _state(notice)
    quoted = _reply(notice, sent, sender=ATTACKER, to="notices@localhost", n=3)
    threaded = _reply(
        notice, sent, sender=ATTACKER, to="notices@localhost", n=4, In_Reply_To=sent["Message-ID"]
    )

    by_reference, _ = reply_ingest(raw=quoted.as_bytes(), source="test")
    by_thread, _ = reply_ingest(raw=threaded.as_bytes(), source="test")

    assert _state(notice) == before
    _assert_waits(by_reference, notice, "reference quoted but no token")
    _assert_waits(by_thread, notice, "answers our message but carries no token")


def test_a_valid_token_with_an_unauthenticated_or_foreign_sender_waits(smtp_server):
    notice, sent = sent_notice(smtp_server)
    before = _state(notice)
    unauthenticated = _reply(
        notice, sent, sender=f"legal@{notice.company.domain}", to=sent["Reply-To"], n=5
    )
    foreign = as_our_server_passes_it(
        _reply(notice, sent, sender=ATTACKER, to=sent["Reply-To"], n=6), spf="pass", dmarc="pass"
    )

    first, _ = reply_ingest(raw=unauthenticated.as_bytes(), source="test")
    second, _ = reply_ingest(raw=foreign, source="test")

    assert _state(notice) == before
    _assert_waits(first, notice, "sender not authenticated")
    _assert_waits(second, notice, "sender unknown to this company")


def _report(to: str, message_id: str, recipient: str, boundary: str = "b") -> bytes:
    return (
        f"From: Mail Delivery System <MAILER-DAEMON@mx.evil.example>\r\nTo: {to}\r\n"
        f"Message-ID: <dsn-{boundary}@mx.evil.example>\r\nSubject: Undelivered Mail\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;"
        f' boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message_id}\r\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def test_a_forged_delivery_report_naming_a_real_message_id_marks_nothing(smtp_server):
    notice, sent = sent_notice(smtp_server)
    before = _state(notice)
    attempt = notice.deliveries.get()
    guessed = attempt.return_path.rsplit("-", 1)[0] + "-" + "a" * 16 + "@localhost"

    plain, _ = reply_ingest(
        raw=_report("notices@localhost", sent["Message-ID"], sent["To"]), source="test"
    )
    guessed_address, _ = reply_ingest(
        raw=_report(guessed, sent["Message-ID"], sent["To"], boundary="c"), source="test"
    )

    assert _state(notice) == before
    assert not AuditEvent.objects.filter(verb="delivery.bounced").exists()
    _assert_waits(plain, notice, "delivery report without a bounce token")
    _assert_waits(guessed_address, notice, "the address token is not valid")
    assert plain.kind == guessed_address.kind == Response.Kind.BOUNCE


def test_a_forged_bounce_in_a_non_standard_format_marks_nothing(smtp_server):
    notice, sent = sent_notice(smtp_server)
    before = _state(notice)
    qmail_style = (
        "From: MAILER-DAEMON@mx.evil.example\r\nTo: notices@localhost\r\n"
        "Message-ID: <qmail-forged@mx.evil.example>\r\nSubject: failure notice\r\n\r\n"
        "Hi. This is the qmail-send program at mx.evil.example.\r\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
        f"<{sent['To']}>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"
        "--- Below this line is a copy of the message.\r\n\r\n"
        f"Message-ID: {sent['Message-ID']}\r\nSubject: {notice.reference}\r\n"
    ).encode()

    response, _ = reply_ingest(raw=qmail_style, source="test")

    assert _state(notice) == before
    _assert_waits(response, notice, "delivery report without a bounce token")


def test_a_non_standard_bounce_to_the_attempts_own_address_marks_it_bounced(smtp_server):
    notice, sent = sent_notice(smtp_server)
    attempt = notice.deliveries.get()
    qmail_style = (
        f"From: MAILER-DAEMON@mx.company.example\r\nTo: {attempt.return_path}\r\n"
        "Message-ID: <qmail-real@mx.company.example>\r\nSubject: failure notice\r\n\r\n"
        "Hi. This is the qmail-send program at mx.company.example.\r\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
        f"<{sent['To']}>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"
        "--- Below this line is a copy of the message.\r\n"
    ).encode()

    response, _ = reply_ingest(raw=qmail_style, source="test")

    attempt.refresh_from_db()
    notice.refresh_from_db()
    assert (response.kind, response.notice, response.trust) == ("bounce", notice, "trusted")
    assert attempt.outcome == DeliveryAttempt.Outcome.BOUNCED
    assert "no mailbox here by that name" in attempt.server_reply
    assert notice.status == NoticeStatus.BOUNCED


def test_a_delay_report_to_the_attempts_own_address_marks_it_delayed_not_bounced(smtp_server):
    notice, sent = sent_notice(smtp_server)
    attempt = notice.deliveries.get()
    delay = _report(attempt.return_path, sent["Message-ID"], sent["To"]).replace(
        b"Action: failed\r\nStatus: 5.1.1", b"Action: delayed\r\nStatus: 4.4.1"
    )

    response, _ = reply_ingest(raw=delay, source="test")

    attempt.refresh_from_db()
    notice.refresh_from_db()
    assert response.kind == Response.Kind.AUTOMATIC
    assert attempt.outcome == DeliveryAttempt.Outcome.DELAYED
    assert "delayed: 4.4.1" in attempt.server_reply
    assert notice.status == NoticeStatus.SENT
    assert AuditEvent.objects.filter(verb="delivery.delayed", target_id=str(notice.pk)).exists()


@pytest.fixture(scope="module")
def company_key(tmp_path_factory) -> tuple[bytes, bytes]:
    """(private key PEM, TXT record) made here for the company's domain."""
    folder: Path = tmp_path_factory.mktemp("company-dkim")
    dknewkey.GenRSAKeys(str(folder / "key.pem"), verbose=False)
    dknewkey.ExtractRSADnsPublicKey(str(folder / "key.pem"), str(folder / "key.dns"), False)
    return (folder / "key.pem").read_bytes(), (folder / "key.dns").read_bytes().strip()


def test_a_dkim_signed_reply_from_the_company_moves_the_notice(smtp_server, company_key):
    notice, sent = sent_notice(smtp_server)
    domain = notice.company.domain
    private, record = company_key
    message = _reply(
        notice, sent, sender=f"General Counsel <gc@{domain}>", to=sent["Reply-To"], n=7
    )
    signed = (
        dkim.sign(
            message.as_bytes(),
            b"s1",
            domain.encode(),
            private,
            include_headers=[b"from", b"to", b"subject"],
        )
        + message.as_bytes()
    )

    def company_dns(name: bytes, timeout: float = 5) -> bytes | None:  # the test's resolver
        return record if name == f"s1._domainkey.{domain}.".encode() else None

    response, _ = reply_ingest(raw=signed, source="test", dnsfunc=company_dns)

    notice.refresh_from_db()
    assert (response.notice, response.trust) == (notice, Response.Trust.TRUSTED)
    assert response.trust_reason == f"DKIM pass for {domain}"
    assert response.sender_check["dkim"][0]["result"] == "pass"
    assert notice.status == NoticeStatus.RESPONDED
    assert ladder_stop_reason(notice) != ""


def test_a_known_contacts_exact_address_with_spf_pass_moves_the_notice(smtp_server):
    notice, sent = sent_notice(smtp_server)
    ContactFactory(company=notice.company, email="counsel@firm.example", role="counsel_of_record")
    raw = as_our_server_passes_it(
        _reply(notice, sent, sender="Counsel <counsel@firm.example>", to=sent["Reply-To"], n=8),
        spf="pass",
    )
    stranger = as_our_server_passes_it(
        _reply(notice, sent, sender="partner@firm.example", to=sent["Reply-To"], n=9), spf="pass"
    )

    other, _ = reply_ingest(raw=stranger, source="test")  # same firm, not the contact: waits
    response, _ = reply_ingest(raw=raw, source="test")

    notice.refresh_from_db()
    assert (other.notice, other.trust_reason) == (None, "sender unknown to this company")
    assert (response.notice, response.trust) == (notice, Response.Trust.TRUSTED)
    assert response.trust_reason == "known contact counsel@firm.example, SPF pass"
    assert notice.status == NoticeStatus.RESPONDED


def test_a_reply_to_the_plus_address_of_a_letter_sent_before_tokens_still_matches(smtp_server):
    notice, sent = sent_notice(smtp_server)
    # As a letter sent before this change was recorded: no Reply-To or bounce address kept.
    notice.deliveries.update(reply_to="", return_path="")
    raw = as_our_server_passes_it(
        _reply(
            notice,
            sent,
            sender=f"legal@{notice.company.domain}",
            to=f"notices+{notice.reference}@localhost",
            n=10,
        ),
        dmarc="pass",
    )

    response, _ = reply_ingest(raw=raw, source="test")

    notice.refresh_from_db()
    assert (response.notice, response.matched_by, response.trust) == (
        notice,
        "reply_address",
        "trusted",
    )
    assert notice.status == NoticeStatus.RESPONDED


def test_a_paralegal_confirms_a_waiting_reply_in_one_action_and_it_is_audited(smtp_server, client):
    notice, sent = sent_notice(smtp_server)
    waiting, _ = reply_ingest(
        raw=_reply(
            notice, sent, sender="gc@gmail.example", to="notices@localhost", n=11
        ).as_bytes(),
        source="test",
    )
    assert ladder_stop_reason(notice) == ""  # an unconfirmed reply never stops the reminders
    paralegal = UserFactory(role="Paralegal")
    client.force_login(paralegal)

    page = client.get("/queue/?section=triage")
    assert "Reference quoted but no token" in page.content.decode()
    response = client.post(
        f"/replies/{waiting.pk}/match/?next=queue", {"confirm": notice.reference}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("section=triage")
    waiting.refresh_from_db()
    notice.refresh_from_db()
    assert (waiting.notice, waiting.trust, waiting.confirmed_by) == (notice, "confirmed", paralegal)
    assert waiting.confirmed_at is not None
    assert waiting.confirmed_at <= timezone.now()
    assert notice.status == NoticeStatus.RESPONDED
    assert ladder_stop_reason(notice) != ""
    event = AuditEvent.objects.get(verb="reply.confirmed")
    assert event.actor == paralegal
    assert event.data["before"] == {
        "trust": "unconfirmed",
        "reason": "reference quoted but no token",
    }


def test_a_reply_waiting_for_a_person_never_cancels_a_reminder(smtp_server):
    from datetime import timedelta

    from tests.campaign_helpers import sent_campaign
    from warnings_app.models import Notice
    from warnings_app.services.followups import followups_process

    campaign = sent_campaign(companies=1)
    notice = Notice.objects.get(campaign=campaign)
    attempt = notice.deliveries.get()
    unauthenticated = mail(
        sender=f"legal@{notice.company.domain}",
        to=attempt.reply_to,  # the right token, but nothing vouches for the sender
        subject=f"Re: {notice.reference}",
        body="Please stop writing to us.",
        Message_ID="<waiting@example.net>",
    )
    waiting, _ = reply_ingest(raw=unauthenticated.as_bytes(), source="test")
    step = FollowUp.objects.get(notice=notice)

    result = followups_process(now=step.due_at + timedelta(minutes=1))

    assert waiting.trust_reason == "sender not authenticated"
    assert result["letters"] == 1
    assert result["stopped"] == 0
    step.refresh_from_db()
    assert step.status == FollowUp.Status.DONE


def test_the_api_shows_why_a_reply_waits_and_what_was_verified(smtp_server):
    from tests.api_helpers import api_client

    notice, sent = sent_notice(smtp_server)
    waiting, _ = reply_ingest(
        raw=_reply(notice, sent, sender=ATTACKER, to=sent["Reply-To"], n=12).as_bytes(),
        source="test",
    )

    body = api_client(UserFactory(role="Paralegal")).get(f"/api/v1/replies/{waiting.pk}/").json()

    assert (body["notice"], body["suggested_notice"]) == (None, notice.pk)
    assert (body["trust"], body["trust_reason"]) == (
        "unconfirmed",
        "sender unknown to this company",
    )
    assert body["sender_check"]["from_address"] == ATTACKER
    assert body["sender_check"]["dkim"] == []
