"""The signing and timestamp foundation against a real test CA and TSA on loopback
(certomancer, tests/timestamp_authority.py), and the demo CA and TSA made without settings."""

import hashlib
import os
import subprocess
from io import BytesIO
from multiprocessing import get_context

import pytest
from asn1crypto import cms
from pypdf import PdfWriter

from warnings_app.integrations import signing, signing_demo, timestamps


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def demo_settings(settings, tmp_path):
    """No signing or TSA settings: the demo CA and TSA, made in a fresh VAR_DIR."""
    settings.VAR_DIR = tmp_path
    settings.SIGNING_CERT = settings.SIGNING_KEY = settings.TSA_URL = ""
    settings.SIGNING_TRUST_ROOTS = settings.TSA_TRUST_ROOTS = []
    return settings


def test_a_token_from_the_test_tsa_verifies_over_its_data(test_tsa):
    token = timestamps.timestamp_token(b"the chain head")

    check = timestamps.check_timestamp_token(token, b"the chain head")

    assert check.valid, check.problem
    assert not check.demo
    assert "Test Timestamp Authority" in check.authority
    assert check.time is not None
    content = cms.ContentInfo.load(token)
    imprint = content["content"]["encap_content_info"]["content"].parsed["message_imprint"]
    assert imprint["hashed_message"].native == hashlib.sha256(b"the chain head").digest()


def test_a_token_does_not_verify_over_other_data(test_tsa):
    token = timestamps.timestamp_token(b"the chain head")

    check = timestamps.check_timestamp_token(token, b"the chain head, rewritten")

    assert not check.valid
    assert check.problem == "the token is not over this data"


def test_a_token_from_the_test_tsa_is_accepted_by_openssl(test_tsa, tmp_path):
    """An implementation we did not write agrees (openssl ts -verify)."""
    (tmp_path / "data").write_bytes(b"the chain head")
    (tmp_path / "token.der").write_bytes(timestamps.timestamp_token(b"the chain head"))

    verified = subprocess.run(
        [
            "openssl", "ts", "-verify", "-token_in", "-in", str(tmp_path / "token.der"),
            "-data", str(tmp_path / "data"), "-CAfile", test_tsa.root_pem,
            "-untrusted", test_tsa.tsa_cert_pem,
        ],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip

    assert verified.returncode == 0, verified.stderr
    assert "Verification: OK" in verified.stdout


def test_a_token_from_the_demo_tsa_is_not_trusted_by_the_test_ca(demo_settings, test_authority):
    token = timestamps.timestamp_token(b"the chain head")
    assert timestamps.check_timestamp_token(token, b"the chain head").valid

    demo_settings.TSA_URL = test_authority.url
    demo_settings.TSA_TRUST_ROOTS = [test_authority.root_pem]
    check = timestamps.check_timestamp_token(token, b"the chain head")

    assert not check.valid
    assert check.problem == "the timestamp authority is not one we trust"


def test_garbage_is_not_a_token(test_tsa):
    check = timestamps.check_timestamp_token(b"\x30\x03\x02\x01\x01", b"data")

    assert not check.valid
    assert "not a timestamp token" in check.problem


def test_an_unreachable_tsa_is_a_timestamp_error(test_tsa, settings):
    settings.TSA_URL = "http://127.0.0.1:9/tsa"  # discard port: nothing listens

    with pytest.raises(timestamps.TimestampError):
        timestamps.timestamp_token(b"data")


def test_a_pdf_signed_with_the_test_ca_verifies_with_its_timestamp(test_tsa):
    signed = signing.sign_pdf(_blank_pdf())

    check = signing.check_pdf_signature(signed)

    assert check.valid, check.problem
    assert check.intact
    assert check.timestamped
    assert not check.demo
    assert check.signer == "Test Music Rights Ltd"
    assert check.signed_at is not None


def test_a_pdf_changed_after_signing_is_not_intact(test_tsa):
    signed = bytearray(signing.sign_pdf(_blank_pdf()))
    at = signed.index(b"/MediaBox") + 1
    signed[at] = ord("N")  # /MediaBox -> /NediaBox, inside the signed range

    check = signing.check_pdf_signature(bytes(signed))

    assert not check.valid
    assert not check.intact
    assert check.problem == "the document was modified after it was signed"


def test_an_unsigned_pdf_is_reported_unsigned(test_tsa):
    check = signing.check_pdf_signature(_blank_pdf())

    assert not check.valid
    assert check.problem == "the document is not signed"


def test_a_demo_signed_pdf_is_not_trusted_with_the_test_ca(demo_settings, test_authority):
    signed = signing.sign_pdf(_blank_pdf())
    assert signing.check_pdf_signature(signed).valid

    demo_settings.SIGNING_CERT = test_authority.signer_cert_pem
    demo_settings.SIGNING_KEY = test_authority.signer_key_pem
    demo_settings.SIGNING_TRUST_ROOTS = [test_authority.root_pem]
    check = signing.check_pdf_signature(signed)

    assert not check.valid
    assert check.problem == "the signing certificate does not chain to a trusted root"


def test_a_detached_signature_verifies_and_fails_for_other_data(test_tsa):
    signature = signing.sign_detached(b"manifest")

    good = signing.check_detached(b"manifest", signature)
    bad = signing.check_detached(b"manifest, edited", signature)

    assert good.valid
    assert good.timestamped
    assert good.signer == "Test Music Rights Ltd"
    assert not bad.valid
    assert not bad.intact


def test_without_settings_signing_uses_a_demo_ca_labelled_demo(demo_settings):
    signed = signing.sign_pdf(_blank_pdf())

    check = signing.check_pdf_signature(signed)

    assert signing.signing_is_demo()
    assert check.valid
    assert check.timestamped
    assert check.demo
    assert "DEMO" in check.signer
    assert (demo_settings.VAR_DIR / "signing-demo" / "root.pem").exists()
    assert signing.check_detached(b"x", signing.sign_detached(b"x")).demo


def _make_demo(var_dir: str) -> str:
    import django
    from django.conf import settings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    django.setup()
    settings.VAR_DIR = var_dir
    root = signing_demo.demo_material().path("root.pem")
    return root.read_text()


def test_two_processes_making_the_demo_ca_at_once_agree(tmp_path):
    with get_context("spawn").Pool(2) as pool:
        roots = pool.map(_make_demo, [str(tmp_path)] * 2)

    assert roots[0] == roots[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signing-demo"]


def test_a_url_that_is_not_a_tsa_is_a_timestamp_error(test_tsa, settings):
    settings.TSA_URL = test_tsa.url + "-missing"

    with pytest.raises(timestamps.TimestampError, match="answered HTTP 404"):
        timestamps.timestamp_token(b"data")


def test_too_little_room_learnt_for_the_signature_is_measured_again(test_tsa):
    signing.sign_pdf(_blank_pdf())  # learns the room a signature takes
    [key] = [key for key in signing._RESERVED if key[1] == test_tsa.url]
    signing._RESERVED[key] = 64  # as if the TSA's answers had grown

    signed = signing.sign_pdf(_blank_pdf())

    assert signing.check_pdf_signature(signed).valid
    assert signing._RESERVED[key] > 64


def test_what_is_not_a_pdf_or_is_signed_already_is_a_signing_error(test_tsa):
    signed = signing.sign_pdf(_blank_pdf())

    with pytest.raises(signing.SigningError, match="could not be signed"):
        signing.sign_pdf(b"%PDF-1.7 not really")
    with pytest.raises(signing.SigningError, match="could not be signed"):
        signing.sign_pdf(signed)
