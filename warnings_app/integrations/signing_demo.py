"""The demo CA: used to sign and timestamp letters when no signing certificate or timestamp
authority is configured (demo, development, tests). It issues a letter-signing certificate and a
TSA certificate, both saying DEMO in their organisation, so no one can mistake a demo letter for a
real one; its own key is not kept.

The material is made once, on first use, under VAR_DIR/signing-demo/, and kept: letters signed
yesterday still verify today. Two processes making it at once each build a complete copy in a
private folder and rename it into place; the loser discards its copy and reads the winner's, so
every process signs with the same demo CA."""

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder

DEMO_DIR_NAME = "signing-demo"
DEMO_LABEL = "DEMO - not for legal use"  # ASCII: PDF viewers show it in any font
DEMO_YEARS = 30
DEMO_KEY_BITS = 2048
DEMO_FILES = ("root.pem", "signer.pem", "signer.key.pem", "tsa.pem", "tsa.key.pem")


@dataclass(frozen=True)
class DemoMaterial:
    folder: Path

    def path(self, name: str) -> Path:
        return self.folder / name

    @property
    def root(self) -> asn1_x509.Certificate:
        root: asn1_x509.Certificate = load_cert_from_pemder(  # type: ignore[no-untyped-call]
            str(self.path("root.pem"))
        )
        return root


def demo_material() -> DemoMaterial:
    """The demo CA, signer and TSA under VAR_DIR/signing-demo/, made on first use."""
    folder = Path(settings.VAR_DIR) / DEMO_DIR_NAME
    if not all((folder / name).exists() for name in DEMO_FILES):
        _demo_make(folder)
    return DemoMaterial(folder)


def _demo_make(folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".signing-demo-", dir=folder.parent))
    try:
        _demo_write(building)
        try:
            os.rename(building, folder)  # atomic; fails when another process got there first
        except OSError:
            if not all((folder / name).exists() for name in DEMO_FILES):
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=DEMO_KEY_BITS)


def _name(common_name: str) -> x509.Name:
    organisation = f"{settings.ORGANISATION_NAME} ({DEMO_LABEL})"
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _issue(
    *,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    ca: bool,
    usage: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * DEMO_YEARS))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _demo_write(folder: Path) -> None:
    root_key, signer_key, tsa_key = _new_key(), _new_key(), _new_key()
    root_name = _name("Demo letter-signing root CA")
    root = _issue(subject=root_name, key=root_key, issuer=root_name, issuer_key=root_key, ca=True)
    signer = _issue(
        subject=_name(f"{settings.ORGANISATION_NAME} letters (demo)"),
        key=signer_key,
        issuer=root_name,
        issuer_key=root_key,
        ca=False,
    )
    tsa = _issue(
        subject=_name("Demo timestamp authority"),
        key=tsa_key,
        issuer=root_name,
        issuer_key=root_key,
        ca=False,
        usage=ExtendedKeyUsageOID.TIME_STAMPING,
    )
    for name, cert in (("root.pem", root), ("signer.pem", signer), ("tsa.pem", tsa)):
        (folder / name).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    for name, key in (("signer.key.pem", signer_key), ("tsa.key.pem", tsa_key)):
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as key_file:
            key_file.write(pem)
    # The root's key is not kept: the demo CA issues these two certificates and nothing else.
