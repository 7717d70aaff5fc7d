"""Signed letters (issue 17, item 1): every letter is signed when rendered, with a timestamp,
and checked by an implementation we did not write (poppler's pdfsig, with the test CA trusted in
an NSS database; openssl for the timestamp inside the signature) as well as by pyHanko. The test
CA and timestamp authority run on loopback (certomancer, tests/timestamp_authority.py)."""

import hashlib
import io
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import ContentStream

from tests.factories import CompanyFactory, UserFactory
from tests.letters_helpers import notice_with_schedule, pdf_text
from warnings_app import services
from warnings_app.domain.roles import LEGAL
from warnings_app.integrations.signing import check_pdf_signature
from warnings_app.models import AuditEvent, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.audit import audit_record
from warnings_app.services.delivery.queue import notice_queue
from warnings_app.services.delivery.reconcile import reconciliation_resolve
from warnings_app.services.delivery.send import notice_deliver
from warnings_app.services.rendering import stored_pdf_bytes, template_version_preview_pdf

pytestmark = pytest.mark.django_db

PDFSIG = "/usr/bin/pdfsig"


@pytest.fixture
def nss_db(tmp_path, test_tsa):
    """An NSS database trusting the test CA's root, for pdfsig (libnss3-tools' certutil)."""
    folder = tmp_path / "nss"
    folder.mkdir()
    for command in (
        ["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"],
        ["certutil", "-A", "-d", f"sql:{folder}", "-n", "test-root", "-t", "CT,C,C", "-a",
         "-i", test_tsa.root_pem],
    ):  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, done.stderr
    return folder


def _pdfsig(nss_db: Path, pdf: bytes, folder: Path, *args: str) -> str:
    """pdfsig's report. Not -no-ocsp: poppler 22.12 then reports every certificate as an
    "Unknown issue"; the test certificates name no OCSP responder, so nothing is fetched."""
    path = folder / "letter.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [PDFSIG, "-nssdir", f"sql:{nss_db}", *args, str(path)],
        capture_output=True, text=True, timeout=60, check=False, cwd=folder,
    )  # fmt: skip
    return done.stdout + done.stderr


def _rendered(**kwargs) -> Notice:
    notice = notice_with_schedule(works=2, **kwargs)
    return services.notice_render(notice=notice, by=notice.created_by)


def _one_byte_changed(pdf: bytes) -> bytes:
    """The letter with one byte of its signed range changed: the binary comment on the second
    line, which no reader interprets, so only the signature can tell."""
    changed = bytearray(pdf)
    changed[pdf.index(b"\n%") + 2] ^= 0x01
    return bytes(changed)


def _stamp_text(pdf: bytes) -> str:
    """The text drawn in the visible signature field on the last page (its appearance stream:
    what a PDF reader shows there)."""
    reader = PdfReader(io.BytesIO(pdf))
    [widget] = [
        annot.get_object()
        for annot in reader.pages[-1].get("/Annots", [])
        if annot.get_object().get("/FT") == "/Sig"
    ]
    appearance = widget["/AP"]["/N"].get_object()
    lines = [
        str(operands[0])
        for operands, operator in ContentStream(appearance, reader).operations
        if operator == b"Tj"
    ]
    return "\n".join(lines)


def _signature_timestamp(sig_der: bytes) -> tuple[bytes, bytes]:
    """(the signature value, the RFC 3161 token over it) from a CMS signature pdfsig dumped."""
    signer_info = cms.ContentInfo.load(sig_der)["content"]["signer_infos"][0]
    [token] = [
        attr["values"][0]
        for attr in signer_info["unsigned_attrs"]
        if attr["type"].native == "signature_time_stamp_token"
    ]
    return signer_info["signature"].native, token.dump()


def test_a_stored_letter_is_signed_with_a_timestamp_and_pdfsig_and_pyhanko_agree(
    test_tsa, nss_db, tmp_path
):
    notice = _rendered()
    stored = stored_pdf_bytes(notice)

    report = _pdfsig(nss_db, stored, tmp_path)
    check = check_pdf_signature(stored)
    _pdfsig(nss_db, stored, tmp_path, "-dump")

    assert hashlib.sha256(stored).hexdigest() == notice.pdf_sha256
    assert "Signature Validation: Signature is Valid." in report
    assert "Certificate Validation: Certificate is Trusted." in report
    assert "Total document signed" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Test Music Rights Ltd" in report
    assert check.valid, check.problem
    assert check.intact
    assert check.timestamped
    assert check.signer == "Test Music Rights Ltd"
    assert not check.demo
    # pdfsig 22.12 does not print timestamps: the timestamp in the signature it dumped is
    # checked by openssl against the test CA, over the signature value it must cover.
    [dumped] = list(tmp_path.glob("*.sig0"))
    signature, token = _signature_timestamp(dumped.read_bytes())
    (tmp_path / "token.der").write_bytes(token)
    verified = subprocess.run(
        ["openssl", "ts", "-verify", "-token_in", "-in", str(tmp_path / "token.der"),
         "-digest", hashlib.sha256(signature).hexdigest(), "-CAfile", test_tsa.root_pem,
         "-untrusted", test_tsa.tsa_cert_pem],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert "Verification: OK" in verified.stdout, verified.stderr


def test_the_signature_names_the_organisation_and_the_letter_text_is_unchanged(test_tsa):
    notice = _rendered()
    stored = stored_pdf_bytes(notice)

    stamp = _stamp_text(stored)

    assert stamp.startswith("Digitally signed by Test Music Rights Ltd\nSigned 20")
    assert notice.reference in pdf_text(stored)
    [event] = AuditEvent.objects.filter(verb="notice.render", target_id=str(notice.pk))
    assert event.data["signed"] is True
    assert event.data["signature_demo"] is False
    assert event.data["sha256"] == notice.pdf_sha256


def test_a_letter_with_one_byte_changed_is_invalid_for_pdfsig_pyhanko_and_verify_integrity(
    test_tsa, nss_db, tmp_path
):
    good, forged = _rendered(), _rendered(legal_name="Forged Ltd")
    changed = _one_byte_changed(stored_pdf_bytes(forged))
    # An insider with the database and the files: the bytes changed and the recorded hash too,
    # so only the signature can tell.
    default_storage.delete(forged.pdf.name)
    default_storage.save(forged.pdf.name, ContentFile(changed))
    Notice.objects.filter(pk=forged.pk).update(pdf_sha256=hashlib.sha256(changed).hexdigest())

    report = _pdfsig(nss_db, changed, tmp_path)
    check = check_pdf_signature(changed)
    errors = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_integrity", stdout=io.StringIO(), stderr=errors)

    assert "Signature Validation: Digest Mismatch." in report
    assert "Signature is Valid" not in report
    assert not check.valid
    assert not check.intact
    expected = (
        f"{forged.reference}: signature invalid: the document was modified after it was signed"
    )
    assert expected in errors.getvalue()
    assert forged.reference in str(failure.value)
    assert good.reference not in str(failure.value)


def test_verify_integrity_passes_signed_letters_and_counts_letters_from_before_signing(test_tsa):
    _rendered()
    older = _rendered(legal_name="Older Ltd")
    # A letter rendered before signing began: unsigned bytes, and a render event without "signed".
    unsigned = template_version_preview_pdf(
        version=older.template_version, company=CompanyFactory()
    )
    default_storage.delete(older.pdf.name)
    default_storage.save(older.pdf.name, ContentFile(unsigned))
    sha256 = hashlib.sha256(unsigned).hexdigest()
    Notice.objects.filter(pk=older.pk).update(pdf_sha256=sha256)
    audit_record(actor=None, verb="notice.render", target=older, data={"sha256": sha256})
    out = io.StringIO()

    call_command("verify_integrity", stdout=out, stderr=io.StringIO())

    assert "Checked 2 letter PDF(s) and their signatures; 0 problem(s)." in out.getvalue()
    assert "1 rendered before letters were signed." in out.getvalue()


def test_an_unsigned_letter_recorded_as_signed_is_named(test_tsa):
    notice = _rendered()
    unsigned = template_version_preview_pdf(
        version=notice.template_version, company=CompanyFactory()
    )
    default_storage.delete(notice.pdf.name)
    default_storage.save(notice.pdf.name, ContentFile(unsigned))
    Notice.objects.filter(pk=notice.pk).update(pdf_sha256=hashlib.sha256(unsigned).hexdigest())
    errors = io.StringIO()

    with pytest.raises(CommandError):
        call_command("verify_integrity", stdout=io.StringIO(), stderr=errors)

    assert f"{notice.reference}: signature invalid: the document is not signed" in errors.getvalue()


def test_a_template_preview_is_not_signed(test_tsa):
    notice = _rendered()

    preview = template_version_preview_pdf(version=notice.template_version, company=notice.company)

    assert check_pdf_signature(preview).problem == "the document is not signed"


def test_the_editor_says_a_preview_is_unsigned(client, test_tsa):
    notice = _rendered()
    client.force_login(UserFactory(role=LEGAL))

    page = client.get(reverse("version_edit", args=[notice.template_version.pk]))

    assert page.status_code == 200
    assert "A preview is not signed" in page.content.decode()


def test_a_letter_sent_and_sent_again_carries_the_same_signed_bytes(test_tsa, smtp_server):
    notice = _rendered()
    notice = services.notice_approve(notice=notice, by=UserFactory(role=LEGAL))
    notice_queue(notice=notice, by=None)
    smtp_server.handler.script = ["drop"]  # the server takes the data, then hangs up
    assert notice_deliver(notice_id=notice.pk, worker="w1") == "unknown"
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.NEEDS_RECONCILIATION
    reconciliation_resolve(
        notice=notice, by=UserFactory(role=LEGAL), action="send_again", note="no relay log"
    )

    assert notice_deliver(notice_id=notice.pk, worker="w2") == "sent"

    stored = stored_pdf_bytes(notice)
    sent = [
        part.get_payload(decode=True)
        for received in smtp_server.handler.received
        for part in received.message.walk()
        if part.get_content_type() == "application/pdf"
    ]
    assert sent == [stored, stored]
    assert check_pdf_signature(sent[1]).valid


def test_without_settings_letters_are_signed_by_the_demo_ca_and_labelled_demo(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SIGNING_CERT = settings.SIGNING_KEY = settings.TSA_URL = ""
    settings.SIGNING_TRUST_ROOTS = settings.TSA_TRUST_ROOTS = []

    notice = _rendered()
    stored = stored_pdf_bytes(notice)
    check = check_pdf_signature(stored)

    assert check.valid, check.problem
    assert check.timestamped
    assert check.demo
    assert check.signer == "Notice register (DEMO - not for legal use)"
    assert _stamp_text(stored).startswith("DEMO signature, not for legal use\nSigned by Notice")
    [event] = AuditEvent.objects.filter(verb="notice.render", target_id=str(notice.pk))
    assert event.data["signature_demo"] is True


def test_a_letter_that_cannot_be_timestamped_is_not_rendered(test_tsa, settings):
    from warnings_app.services.pipeline import notice_render_step

    notice = notice_with_schedule(works=1)
    settings.TSA_URL = "http://127.0.0.1:9/tsa"  # discard port: nothing listens

    notice_render_step(notice_id=notice.pk)

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT
    assert not notice.pdf
    assert notice.problem.startswith("rendering failed: the letter could not be signed")
    assert "the timestamp authority at http://127.0.0.1:9/tsa did not answer" in notice.problem
