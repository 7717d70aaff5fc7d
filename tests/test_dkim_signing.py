"""DKIM signatures on outgoing mail: letters, artists' links and receipts reach a real SMTP server
on loopback signed, and dkimpy verifies them against exactly the TXT record that
`manage.py dkim_dns_record` prints (served by a resolver function, never the network). A key
that is configured but cannot be read stops the send before anything reaches the server."""

import base64
import io
import os
import re
import stat
import subprocess

import dkim
import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from tests.factories import UserFactory
from tests.letters_helpers import notice_with_schedule
from tests.preference_factories import artist_with_works, confirm_through_link, make_link
from warnings_app import services
from warnings_app.integrations import dkim_signing
from warnings_app.models import AuditEvent, DeliveryAttempt, PreferenceLink
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.artist_link_parts import ReceiptDeferred
from warnings_app.services.artist_links import (
    LinkNotSent,
    preference_link_create,
    preference_receipt_send,
)
from warnings_app.services.delivery.queue import notice_queue
from warnings_app.services.delivery.send import notice_deliver

pytestmark = pytest.mark.django_db

DOMAIN, SELECTOR = "legal.example", "notices2026"


@pytest.fixture(scope="module")
def key_pems() -> list[bytes]:
    """Two RSA 2048 keys, made once for the module (each takes openssl a moment)."""
    return [dkim_signing.new_private_key_pem() for _ in range(2)]


@pytest.fixture
def dkim_key(tmp_path, settings, key_pems):
    """A key file of this test's own, and the DKIM settings pointing at it."""
    path = tmp_path / "dkim.key"
    path.write_bytes(key_pems[0])
    settings.DKIM_DOMAIN, settings.DKIM_SELECTOR, settings.DKIM_KEY_FILE = (
        DOMAIN,
        SELECTOR,
        str(path),
    )
    return path


def _printed_record(**options) -> tuple[str, str]:
    """(name, value) as `dkim_dns_record` prints them. The value is rebuilt from the zone-file
    strings, and must equal the one-line copy, so both forms are what we test against."""
    out = io.StringIO()
    call_command("dkim_dns_record", stdout=out, **options)
    text = out.getvalue()
    zone = text.split("Zone file:")[1].split("Name:")[0]
    strings = re.findall(r'"([^"]*)"', zone)
    name = re.search(r"^Name:\s+(\S+)$", text, re.MULTILINE).group(1)
    value = re.search(r"^Value: (.+)$", text, re.MULTILINE).group(1)
    assert all(len(s) <= 255 for s in strings)
    assert "".join(strings) == value
    return name, value


def _resolver(name: str, value: str):
    """A dnsfunc for dkimpy that knows one TXT record, as a DNS server publishing it would."""

    def lookup(query: bytes, timeout: float = 5) -> bytes | None:
        return value.encode() if query == f"{name}.".encode() else None

    return lookup


def _queued_notice():
    notice = notice_with_schedule()
    notice = services.notice_render(notice=notice, by=notice.created_by)
    notice = services.notice_approve(notice=notice, by=UserFactory(role="Legal"))
    return notice_queue(notice=notice, by=None)


def _signature_tags(raw: bytes) -> dict[str, str]:
    header = dkim.rfc822_parse(raw)[0][0]
    assert header[0] == b"DKIM-Signature"
    unfolded = re.sub(rb"\s+", b"", header[1]).decode()
    return dict(part.split("=", 1) for part in unfolded.split(";") if part)


def test_a_letter_leaves_signed_and_verifies_against_the_printed_record(smtp_server, dkim_key):
    notice = _queued_notice()
    name, value = _printed_record()

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")

    [received] = smtp_server.handler.received
    tags = _signature_tags(received.raw)
    assert outcome == "sent"
    assert name == f"{SELECTOR}._domainkey.{DOMAIN}"
    assert dkim.verify(received.raw, dnsfunc=_resolver(name, value))
    assert (tags["a"], tags["c"], tags["d"], tags["s"]) == (
        "rsa-sha256",
        "relaxed/relaxed",
        DOMAIN,
        SELECTOR,
    )
    signed = tags["h"].lower().split(":")
    assert signed.count("from") == 2  # over-signed: a second From cannot be added
    for header in ("to", "subject", "date", "message-id", "reply-to", "mime-version"):
        assert header in signed
    assert "content-type" in signed
    assert any(p.get_content_type() == "application/pdf" for p in received.message.walk())


def test_one_changed_byte_a_second_from_or_another_key_fails_verification(
    smtp_server, dkim_key, key_pems, tmp_path, settings
):
    notice_deliver(notice_id=_queued_notice().pk, worker="w1")
    [received] = smtp_server.handler.received
    raw = received.raw
    name, value = _printed_record()
    settings.DKIM_KEY_FILE = str(tmp_path / "other.key")
    (tmp_path / "other.key").write_bytes(key_pems[1])
    _, other_value = _printed_record()
    # A letter or digit in the middle of the body (whitespace would be relaxed away).
    position = re.compile(rb"[A-Za-z0-9]").search(raw, (raw.index(b"\r\n\r\n") + len(raw)) // 2)
    at = position.start()
    changed = b"B" if raw[at : at + 1] == b"A" else b"A"

    one_byte = raw[:at] + changed + raw[at + 1 :]
    # dkimpy counts an extra From against any signature; h= with From twice (checked above)
    # makes every verifier do so.
    second_from = b"From: Someone Else <ceo@legal.example>\r\n" + raw

    assert dkim.verify(raw, dnsfunc=_resolver(name, value))
    assert not dkim.verify(one_byte, dnsfunc=_resolver(name, value))
    assert not dkim.verify(second_from, dnsfunc=_resolver(name, value))
    assert not dkim.verify(raw, dnsfunc=_resolver(name, other_value))


def test_an_artists_link_and_receipt_leave_signed(
    smtp_server, dkim_key, django_capture_on_commit_callbacks
):
    artist, works = artist_with_works()
    staff = UserFactory(role="Paralegal")
    with django_capture_on_commit_callbacks(execute=True):
        preference_link_create(artist=artist, recipient_email="mara@artists.example", by=staff)
    _link, token = make_link(artist)
    statement = confirm_through_link(artist, works, token)

    outcome = preference_receipt_send(statement_id=statement.pk)

    link_mail, receipt = smtp_server.handler.received
    lookup = _resolver(*_printed_record())
    assert outcome == "sent"
    assert "/choose/" in link_mail.raw.decode(errors="replace")
    assert b"artist-confirmation.txt" in receipt.raw
    assert dkim.verify(link_mail.raw, dnsfunc=lookup)
    assert dkim.verify(receipt.raw, dnsfunc=lookup)


def test_a_missing_key_file_stops_the_letter_before_anything_reaches_the_server(
    smtp_server, dkim_key
):
    notice = _queued_notice()
    dkim_key.unlink()

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")

    notice.refresh_from_db()
    attempt = notice.deliveries.get()
    assert outcome == "retry"
    assert notice.status == NoticeStatus.QUEUED
    assert notice.next_attempt_at is not None
    assert attempt.outcome == DeliveryAttempt.Outcome.FAILED
    assert attempt.phase != "content"
    assert attempt.server_reply.startswith(f"not sent: the DKIM key file {dkim_key} cannot be read")
    assert smtp_server.handler.received == []
    assert (smtp_server.handler.rcpt_commands, smtp_server.handler.data_commands) == (0, 0)
    assert AuditEvent.objects.filter(target_id=str(notice.pk), to_state="queued").count() == 2


@pytest.mark.parametrize(
    ("key_bytes", "reason"),
    [
        (b"not a key at all\n", "holds no PEM RSA private key"),
        (None, "DKIM is half configured: DKIM_SELECTOR is empty"),
    ],
)
def test_a_key_that_is_no_key_or_half_the_settings_refuse_to_send(
    smtp_server, dkim_key, settings, key_bytes, reason
):
    notice = _queued_notice()
    if key_bytes is None:
        settings.DKIM_SELECTOR = ""
    else:
        dkim_key.write_bytes(key_bytes)

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")

    assert outcome == "retry"
    assert reason in notice.deliveries.get().server_reply
    assert smtp_server.handler.received == []


def test_the_letter_goes_signed_once_the_key_is_back(smtp_server, dkim_key, key_pems):
    notice = _queued_notice()
    dkim_key.unlink()
    first = notice_deliver(notice_id=notice.pk, worker="w1")
    dkim_key.write_bytes(key_pems[0])
    notice.__class__.objects.filter(pk=notice.pk).update(next_attempt_at=None)  # backoff over

    second = notice_deliver(notice_id=notice.pk, worker="w1")

    [received] = smtp_server.handler.received
    assert (first, second) == ("retry", "sent")
    assert dkim.verify(received.raw, dnsfunc=_resolver(*_printed_record()))


def test_a_link_that_cannot_be_signed_is_withdrawn_and_staff_are_told(
    smtp_server, dkim_key, django_capture_on_commit_callbacks
):
    artist, _works = artist_with_works()
    dkim_key.unlink()

    with (
        pytest.raises(LinkNotSent, match="DKIM key file"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        preference_link_create(
            artist=artist, recipient_email="mara@artists.example", by=UserFactory()
        )

    assert PreferenceLink.objects.get().state() == "revoked"
    assert smtp_server.handler.received == []


def test_a_receipt_that_cannot_be_signed_is_deferred_for_a_retry(smtp_server, dkim_key):
    artist, works = artist_with_works()
    _link, token = make_link(artist)
    statement = confirm_through_link(artist, works, token)
    dkim_key.unlink()

    with pytest.raises(ReceiptDeferred, match="DKIM key file"):
        preference_receipt_send(statement_id=statement.pk)

    assert not statement.receipts.exists()  # nothing recorded: neither sent nor given up on
    assert smtp_server.handler.received == []


def test_a_key_replaced_in_place_signs_from_the_next_message(smtp_server, dkim_key, key_pems):
    first, second = _queued_notice(), _queued_notice()
    notice_deliver(notice_id=first.pk, worker="w1")
    old_record = _printed_record()
    dkim_key.write_bytes(key_pems[1])
    os.utime(dkim_key, ns=(0, os.stat(dkim_key).st_mtime_ns + 1_000_000_000))

    notice_deliver(notice_id=second.pk, worker="w1")

    new_record = _printed_record()
    old_mail, new_mail = smtp_server.handler.received
    assert new_record[1] != old_record[1]
    assert dkim.verify(old_mail.raw, dnsfunc=_resolver(*old_record))
    assert dkim.verify(new_mail.raw, dnsfunc=_resolver(*new_record))
    assert not dkim.verify(new_mail.raw, dnsfunc=_resolver(*old_record))


def test_with_dkim_unset_mail_leaves_unsigned(smtp_server, settings):
    settings.DKIM_DOMAIN = settings.DKIM_SELECTOR = settings.DKIM_KEY_FILE = ""

    notice_deliver(notice_id=_queued_notice().pk, worker="w1")

    [received] = smtp_server.handler.received
    assert received.message["DKIM-Signature"] is None


def test_the_printed_public_key_is_the_one_openssl_derives(dkim_key):
    _name, value = _printed_record()

    der = subprocess.run(
        ["openssl", "pkey", "-in", str(dkim_key), "-pubout", "-outform", "DER"],
        capture_output=True,
        check=True,
    ).stdout

    assert value == f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def test_generate_writes_an_owner_only_key_once_and_audits_it(tmp_path, settings):
    settings.DKIM_DOMAIN = settings.DKIM_SELECTOR = settings.DKIM_KEY_FILE = ""
    path = tmp_path / "new.key"

    name, value = _printed_record(generate=str(path))
    written = path.read_bytes()
    with pytest.raises(CommandError, match="already exists; a key file is never overwritten"):
        call_command("dkim_dns_record", generate=str(path), stdout=io.StringIO())

    key = dkim_signing.private_key(str(path))
    [event] = AuditEvent.objects.filter(verb="dkim.key_generated")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key.bits == 2048
    assert path.read_bytes() == written
    assert name == "<selector>._domainkey.<domain>"
    assert value == dkim_signing.dns_txt_value(key)
    assert event.data["public_key_sha256"] == dkim_signing.public_key_sha256(key)
    assert event.data["path"] == str(path)


def test_the_record_command_says_what_is_wrong(tmp_path, settings):
    settings.DKIM_DOMAIN = settings.DKIM_SELECTOR = settings.DKIM_KEY_FILE = ""
    with pytest.raises(CommandError, match="DKIM is not configured"):
        call_command("dkim_dns_record", stdout=io.StringIO())

    settings.DKIM_DOMAIN, settings.DKIM_SELECTOR = DOMAIN, SELECTOR
    settings.DKIM_KEY_FILE = str(tmp_path / "absent.key")
    with pytest.raises(CommandError, match=r"absent\.key cannot be read: No such file"):
        call_command("dkim_dns_record", stdout=io.StringIO())


def _w016() -> list[str]:
    issues = run_checks(include_deployment_checks=True, tags=["mail"])
    return [issue.msg for issue in issues if issue.id == "warnings_app.W016"]


def test_the_deploy_check_warns_when_smtp_mail_would_go_out_unsigned(settings, tmp_path):
    settings.EMAIL_BACKEND = "warnings_app.integrations.smtp.TrackingEmailBackend"
    settings.DKIM_DOMAIN = settings.DKIM_SELECTOR = settings.DKIM_KEY_FILE = ""
    unset = _w016()
    settings.DKIM_DOMAIN, settings.DKIM_SELECTOR = DOMAIN, SELECTOR
    settings.DKIM_KEY_FILE = str(tmp_path / "absent.key")
    unreadable = _w016()

    assert len(unset) == 1
    assert "mail would go out unsigned" in unset[0]
    assert len(unreadable) == 1
    assert "absent.key cannot be read" in unreadable[0]


def test_the_deploy_check_is_silent_with_dkim_configured_or_no_smtp(settings, dkim_key):
    settings.EMAIL_BACKEND = "warnings_app.integrations.smtp.TrackingEmailBackend"
    configured = _w016()
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.DKIM_DOMAIN = settings.DKIM_SELECTOR = settings.DKIM_KEY_FILE = ""
    console = _w016()

    assert configured == []
    assert console == []
