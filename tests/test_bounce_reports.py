"""Bounce reports as real mail servers write them (tests/fixtures/bounces/, one sample per
format flufl.bounce's detectors recognise, written for these tests after each server's
documented layout) and as a real Postfix writes them on loopback: each gives the failed address,
whether it failed for good or is still being retried, and the server's words. Replies,
out-of-office answers and hostile reports are never taken for bounces and never crash."""

import email
import smtplib
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest
from flufl.bounce import all_failures

from tests.mail_system import NOTICES, POSTFIX, MailSystem
from warnings_app.integrations.bounce_reports import read_bounce
from warnings_app.integrations.mail_parse import parse_message

FIXTURES = Path(__file__).parent / "fixtures" / "bounces"
QUOTED_LETTER = "<notice.WN-2026-{}.1@rights-holder.example>"

# sample: (format, permanent, temporary, status, words of the diagnostic, returned Message-ID)
SAMPLES = {
    "postfix-failed": (
        "rfc3464",
        ["licensing@soundforge.example"],  # the Original-Recipient: the address we wrote to
        [],
        "5.1.1",
        "Recipient address rejected: User unknown in virtual mailbox table",
        QUOTED_LETTER.format("00017"),
    ),
    "postfix-delayed": (
        "rfc3464",
        [],
        ["legal@tunegrid.example"],
        "4.4.1",
        "connect to mx.tunegrid.example[192.0.2.44]:25: Connection timed out",
        QUOTED_LETTER.format("00018"),
    ),
    "exchange-online": (
        "rfc3464",
        ["rights@streamcore.example"],
        [],
        "5.1.10",
        "RESOLVER.ADR.RecipientNotFound",
        QUOTED_LETTER.format("00023"),
    ),
    "qmail": (
        "Qmail",
        ["copyright@vocalis.example"],
        [],
        "5.1.1",
        "Remote host said: 550 5.1.1 <copyright@vocalis.example>... No such user here",
        QUOTED_LETTER.format("00019"),
    ),
    "exim": (
        "Exim",
        ["legal@melodyworks.example"],
        [],
        "5.2.1",
        "550 5.2.1 Mailbox disabled for this recipient",
        QUOTED_LETTER.format("00020"),
    ),
    "exim-delay-warning": (
        "SimpleMatch",
        [],
        ["rights@beatlab.example"],
        "4.3.0",
        "451 4.3.0 Mailbox temporarily unavailable",
        "",
    ),
    "sendmail": (
        "SimpleMatch",
        ["press@harmonix.example"],
        [],
        "5.1.1",
        "(reason: 550 5.1.1 <press@harmonix.example>... User unknown)",
        QUOTED_LETTER.format("00022"),
    ),
    "sendmail-warning": (
        "SimpleMatch",
        [],
        ["licensing@harmonix.example"],
        "",
        "Deferred: Connection timed out with mail.harmonix.example.",
        QUOTED_LETTER.format("00033"),
    ),
    "groupwise": (
        "GroupWise",
        ["a.lindqvist@chordhouse.example"],
        [],
        "",
        "a.lindqvist@chordhouse.example (user not found)",
        QUOTED_LETTER.format("00025"),
    ),
    "microsoft-smtpsvc": (
        "Microsoft",
        ["info@soundwave.example"],
        [],
        "5.1.1",
        "550 5.1.1 Requested action not taken: mailbox unavailable",
        QUOTED_LETTER.format("00026"),
    ),
    "exchange-2003": (
        "Exchange",
        ["licensing@lyricbase.example"],
        [],
        "5.1.1",
        "The e-mail account does not exist at the organization",
        "",
    ),
    "netscape": (
        "Netscape",
        ["ops@loopstation.example"],
        [],
        "5.2.1",
        "The user's account has been disabled (550 5.2.1).",
        QUOTED_LETTER.format("00032"),
    ),
    "yahoo": (
        "Yahoo",
        ["a.rivera@waveform.example"],
        [],
        "5.1.1",
        "Recipient address rejected: User unknown in local recipient table",
        QUOTED_LETTER.format("00027"),
    ),
    "aol": (
        "AOL",
        ["synthbeats2026@aol.com"],
        [],
        "5.1.1",
        "The screen name does not exist or is no longer active",
        "",
    ),
    "gmail-failed": (
        "SimpleMatch",
        ["legal@tonefield.example"],
        [],
        "5.1.1",
        "Recipient address rejected: User unknown in relay recipient table",
        QUOTED_LETTER.format("00029"),
    ),
    "gmail-delayed": (
        "SimpleWarning",
        [],
        ["contact@rhythmics.example"],
        "",
        "Message will be retried for 2 more day(s)",
        QUOTED_LETTER.format("00030"),
    ),
    "smtp32": (
        "SMTP32",
        ["a.rivera@remixhub.example"],
        [],
        "5.1.1",
        "550 5.1.1 Mailbox unavailable",
        QUOTED_LETTER.format("00031"),
    ),
}
DELAYS = sorted(name for name, sample in SAMPLES.items() if sample[2])


def _raw(name: str) -> bytes:
    return (FIXTURES / f"{name}.eml").read_bytes()


def test_every_fixture_is_in_the_table_and_the_formats_are_many():
    on_disk = {path.stem for path in FIXTURES.glob("*.eml") if not path.stem.startswith("not-")}
    formats = {sample[0] for sample in SAMPLES.values()}

    assert on_disk == set(SAMPLES)
    assert len(formats) >= 8


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_servers_report_gives_the_failed_address_its_kind_and_the_servers_words(name):
    kind, permanent, temporary, status, words, returned = SAMPLES[name]

    parsed = parse_message(_raw(name))

    bounce = parsed.bounce
    assert bounce is not None, parsed.problems
    assert (bounce.format, bounce.permanent, bounce.temporary) == (kind, permanent, temporary)
    assert bounce.status == status
    assert words in " ".join(bounce.diagnostic.split())
    assert bounce.original_message_id == returned
    assert bounce.recipient == (permanent or temporary)[0]
    assert bounce.is_permanent == bool(permanent)
    assert parsed.automatic
    assert not parsed.problems


@pytest.mark.parametrize("name", DELAYS)
def test_a_delay_warning_is_temporary_never_permanent(name):
    bounce = read_bounce(_raw(name))

    assert bounce is not None
    assert not bounce.is_permanent
    assert bounce.permanent == []
    assert bounce.recipient == bounce.temporary[0]


@pytest.mark.parametrize("name", ["exim-delay-warning", "sendmail-warning"])
def test_a_warning_laid_out_like_a_bounce_is_still_a_warning(name):
    # flufl.bounce's own scan calls these permanent failures: the report's words correct it
    temporary, permanent = all_failures(email.message_from_bytes(_raw(name)))

    bounce = read_bounce(_raw(name))

    assert permanent
    assert not temporary
    assert bounce is not None
    assert (bounce.permanent, bounce.temporary) == ([], sorted(a.decode() for a in permanent))


def test_a_bounce_quoting_a_letter_worded_like_a_warning_stays_permanent():
    letter = (
        b"THIS IS A WARNING MESSAGE ONLY: we will keep trying to reach you, and you do not need\n"
        b"to resend anything. Delivery attempts will continue until you answer.\n"
    )
    raw = _raw("qmail").replace(b"Subject: Notice of", b"Subject: Warning: notice of") + letter

    bounce = read_bounce(raw)

    assert bounce is not None
    assert (bounce.permanent, bounce.temporary) == (["copyright@vocalis.example"], [])


def _dsn(*blocks: bytes, sender: bytes = b"MAILER-DAEMON@mx.company.example") -> bytes:
    """An RFC 3464 report with these per-recipient blocks."""
    return (
        b"From: " + sender + b"\r\nTo: notices+b-7-k1-abcdefghijklmnop@rights-holder.example\r\n"
        b"Subject: Delivery Status Notification\r\nMessage-ID: <dsn@mx.company.example>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nA report.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n"
        + b"".join(b"\r\n" + block for block in blocks)
        + b"\r\n--r--\r\n"
    )


def test_in_a_dsn_the_action_decides_and_every_recipient_block_is_read():
    raw = _dsn(
        b"Final-Recipient: rfc822; gave-up@company.example\r\nAction: failed\r\n"
        b"Status: 4.4.7\r\nDiagnostic-Code: smtp; 451 4.4.7 delivery time expired\r\n",
        b"Final-Recipient: rfc822; Slow@Company.example\r\nAction: delayed\r\nStatus: 4.4.1\r\n",
        b"Final-Recipient: rfc822; fine@company.example\r\nAction: delivered\r\nStatus: 2.0.0\r\n",
        b"Original-Recipient: rfc822; alias@company.example\r\n"
        b"Final-Recipient: rfc822; person@company.example\r\nAction: failed (bad mailbox)\r\n"
        b"Status: 5.1.1\r\n",
    )

    bounce = read_bounce(raw)

    assert bounce is not None
    assert bounce.permanent == ["gave-up@company.example", "alias@company.example"]
    assert bounce.temporary == ["slow@company.example"]
    assert (bounce.status, bounce.diagnostic) == ("4.4.7", "451 4.4.7 delivery time expired")
    assert bounce.original_message_id == ""


def test_a_dsn_of_success_is_no_bounce():
    raw = _dsn(
        b"Final-Recipient: rfc822; fine@company.example\r\nAction: relayed\r\nStatus: 2.0.0\r\n",
        b"Final-Recipient: rfc822; also@company.example\r\nAction: delivered\r\nStatus: 2.0.0\r\n",
    )

    assert read_bounce(raw) is None


def test_the_address_a_report_was_sent_to_is_never_the_failed_one():
    ours = b"notices+b-19-k1-bcdefghijklmnopq@rights-holder.example"
    raw = (
        b"From: MAILER-DAEMON@mail.vocalis.example\r\nTo: " + ours + b"\r\n"
        b"Subject: failure notice\r\n\r\n"
        b"Hi. This is the qmail-send program at mail.vocalis.example.\r\n"
        b"I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\r\n"
        b"<" + ours + b">:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n"
    )

    assert all_failures(email.message_from_bytes(raw))[1]  # the detector alone names it
    assert read_bounce(raw) is None


@pytest.mark.parametrize("name", ["not-a-bounce-reply", "not-a-bounce-out-of-office"])
def test_a_reply_or_an_out_of_office_is_no_bounce(name):
    # flufl.bounce's catch-all detector takes ", someone@host," in any text for a failure
    _, permanent = all_failures(email.message_from_bytes(_raw(name)))

    parsed = parse_message(_raw(name))

    assert permanent
    assert parsed.bounce is None
    assert not parsed.problems


def test_a_detector_that_crashes_is_named_and_the_others_still_read_the_report():
    # no From header: flufl.bounce's Yale detector raises IndexError, and its scan with it
    raw = b"\r\n".join(line for line in _raw("qmail").splitlines() if not line.startswith(b"From:"))
    with pytest.raises(IndexError):
        all_failures(email.message_from_bytes(raw))

    parsed = parse_message(raw)

    assert parsed.bounce is not None
    assert (parsed.bounce.format, parsed.bounce.permanent) == (
        "Qmail",
        ["copyright@vocalis.example"],
    )
    assert "bounce detector Yale failed on this message (IndexError)" in parsed.problems


HEAD = b"From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
REPORT = b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
STATUS = b"--b\r\nContent-Type: message/delivery-status\r\n"
ODD_FIELDS = (
    b"Final-Recipient: x400; c=US;a= ;p=Org\r\nAction: failed\r\n\r\n"
    b"Final-Recipient: rfc822\r\nAction: failed\r\n\r\n"
    b"Final-Recipient: rfc822; \xe9\xff@\xc3(\r\nAction: failed\r\n\r\n"
    b"Final-Recipient: ;;;<>\r\nAction: \r\nStatus: 9.9.9.9.9\r\n\r\n"
)
EIGHT_BIT = (
    b"From: \xc3\xa9t\xe9 <MAILER-DAEMON@mx.example>\r\nX-Mailer: Nov\xff\r\n"
    b"Subject: failure notice \xff\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    b"--b\r\nContent-Description: notification\xff\r\n\r\nHi. This is the \xff\r\n--b--\r\n"
)
MANY = b"".join(
    b"Final-Recipient: rfc822; u%d@c.example\r\nAction: failed\r\n\r\n" % i for i in range(10_000)
)
HOSTILE = {
    "no boundary": HEAD + b"Content-Type: multipart/report\r\n\r\n--b\r\nAction: failed\r\n",
    "status as base64 garbage": HEAD + REPORT + STATUS
    + b"Content-Transfer-Encoding: base64\r\n\r\n!!!!====\xff\xfe\r\n--b--\r\n",
    "odd recipient fields": HEAD + REPORT + STATUS + b"\r\n" + ODD_FIELDS + b"--b--\r\n",
    "nul in a charset": HEAD + REPORT
    + b"--b\r\nContent-Type: text/plain; charset=utf-\x008\r\n\r\nx\r\n"
    + b"--b\r\nContent-Type: message/rfc822\r\n\r\nMessage-ID: \xff\r\n\r\n--b--\r\n",
    "8-bit headers everywhere": EIGHT_BIT,
    "a megabyte of commas": HEAD + b"\r\n" + b"," * 1_000_000 + b"\r\n",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_report_never_raises_nor_yields_an_invented_address(name):
    problems: list[str] = []

    bounce = read_bounce(HOSTILE[name], problems)
    parsed = parse_message(HOSTILE[name])

    assert bounce is None
    assert parsed.bounce is None
    assert problems == []


def test_a_report_of_ten_thousand_recipients_keeps_the_first_hundred():
    raw = HEAD + REPORT + STATUS + b"\r\n" + MANY + b"--b--\r\n"

    bounce = read_bounce(raw)

    assert bounce is not None
    assert len(bounce.permanent) == 100
    assert bounce.recipient == "u0@c.example"


def test_a_report_with_an_8bit_sender_name_is_still_read():
    raw = (
        _raw("qmail")
        .replace(b"From: MAILER-DAEMON@", b"From: Syst\xc3\xa8me de messagerie <MAILER-DAEMON@", 1)
        .replace(b"@mail.vocalis.example\n", b"@mail.vocalis.example>\n", 1)
    )
    with pytest.raises(AttributeError):  # flufl.bounce's Yahoo detector gets a Header, not a str
        all_failures(email.message_from_bytes(raw))
    problems: list[str] = []

    bounce = read_bounce(raw, problems)

    assert bounce is not None
    assert (bounce.format, bounce.permanent) == ("Qmail", ["copyright@vocalis.example"])
    assert problems == []


def test_a_report_nested_past_the_parsers_depth_is_a_problem_not_a_crash():
    raw = HEAD + b'Content-Type: multipart/report; boundary="b0"\r\n\r\n'
    raw += b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i - 1, i)
        for i in range(1, 3000)
    )
    problems: list[str] = []

    assert read_bounce(raw, problems) is None
    assert problems == ["the delivery report could not be read (RecursionError)"]


@pytest.fixture(scope="module")
def postfix_reports():
    """Postfix's own reports, from a real Postfix on loopback (tests/mail_system.py) told to
    warn after a second and give up after five: one letter to a mailbox Dovecot refuses (550
    5.1.1) and one to an address Postfix may only retry (4.4.1). {subject and address: raw}."""
    with MailSystem() as system:
        etc = system.root / "postfix" / "etc"
        (etc / "transport").write_text("slow@company.test retry:4.4.1 mailbox busy, try later\n")
        for setting in (
            "delay_warning_time=1s",
            "maximal_queue_lifetime=5s",
            f"transport_maps=texthash:{etc / 'transport'}",
        ):
            subprocess.run(["/usr/sbin/postconf", "-c", str(etc), "-e", setting], check=True)
        subprocess.run([POSTFIX, "-c", str(etc), "reload"], check=True, capture_output=True)
        for local in ("gone", "slow"):
            letter = EmailMessage()
            letter["From"] = "legal@notices.test"
            letter["To"] = f"{local}@company.test"
            letter["Subject"] = "Notice of infringement"
            letter["Message-ID"] = f"<letter.{local}@notices.test>"
            letter.set_content("Dear Sir or Madam,")
            with smtplib.SMTP("127.0.0.1", system.smtp_port, timeout=10) as client:
                client.send_message(letter, from_addr=f"notices+b-{local}@notices.test")
        system.wait_for(
            NOTICES, lambda m: "slow" in m["Delivered-To"] and "Undelivered" in m["Subject"]
        )
        yield {
            f"{m['Subject']} {m['Delivered-To'].split('@')[0]}": m.as_bytes()
            for m in system.messages(NOTICES)
        }


def test_postfixs_own_reports_are_read_with_the_right_kind(postfix_reports):
    bounced = read_bounce(postfix_reports["Undelivered Mail Returned to Sender notices+b-gone"])
    delayed = read_bounce(postfix_reports["Delayed Mail (still being retried) notices+b-slow"])
    expired = read_bounce(postfix_reports["Undelivered Mail Returned to Sender notices+b-slow"])

    assert bounced is not None
    assert delayed is not None
    assert expired is not None
    assert (bounced.permanent, bounced.temporary, bounced.status) == (
        ["gone@company.test"],
        [],
        "5.1.1",
    )
    assert "5.1.1" in bounced.diagnostic
    assert bounced.original_message_id == "<letter.gone@notices.test>"
    assert (delayed.permanent, delayed.temporary, delayed.status) == (
        [],
        ["slow@company.test"],
        "4.4.1",
    )
    assert delayed.diagnostic == "mailbox busy, try later"
    # given up after retrying: Action "failed" makes it final although the status is 4.4.1
    assert (expired.permanent, expired.status) == (["slow@company.test"], "4.4.1")
    assert expired.original_message_id == "<letter.slow@notices.test>"
