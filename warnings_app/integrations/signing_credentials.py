"""Whose key signs our letters and whose clock timestamps them: the organisation's signing
certificate and a timestamp authority (TSA) from the settings, or, when they are not set (demo,
development, tests), the demo CA of signing_demo, whose certificates say DEMO. And whom we trust
when checking a signature or a timestamp."""

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from warnings_app.integrations.signing_demo import demo_material


class SigningSetupError(OSError):
    """The configured signing or timestamping credentials cannot be used (a file is missing or
    unreadable, a key does not match, half of the settings are set). An OSError, like a mail
    server that does not answer: nothing is signed until an operator fixes it."""


@functools.lru_cache(maxsize=16)
def _cert(path: str) -> asn1_x509.Certificate:
    try:
        return load_cert_from_pemder(path)  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise SigningSetupError(f"the certificate file {path} cannot be read: {exc}") from exc


def _certs(paths: tuple[str, ...]) -> list[asn1_x509.Certificate]:
    try:
        return list(load_certs_from_pemder(list(paths)))  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise SigningSetupError(f"the certificate files {', '.join(paths)}: {exc}") from exc


class _FixedAttribute(CMSAttributeProvider):
    """Provides an attribute prepared in advance."""

    def __init__(self, attribute: cms.CMSAttribute) -> None:
        self.attribute_type = attribute["type"].native
        self._attribute = attribute

    async def get_attribute(self, dry_run: bool = False) -> cms.CMSAttribute:
        return self._attribute


class KeptKeySigner(SimpleSigner):
    """A SimpleSigner that reads its private key once. SimpleSigner reads it from DER for every
    signature, and cryptography checks an RSA key on every read: about 0.1 s, fifty times the
    signature itself. Other mechanisms than RSA PKCS#1 v1.5 and ECDSA are left to SimpleSigner."""

    def __init__(self, loaded: SimpleSigner) -> None:
        if loaded.signing_cert is None:  # SimpleSigner.load always sets it
            raise SigningSetupError("the signing certificate was not loaded")
        super().__init__(
            signing_cert=loaded.signing_cert,
            signing_key=loaded.signing_key,
            cert_registry=loaded.cert_registry,
        )
        self._key = serialization.load_der_private_key(loaded.signing_key.dump(), password=None)
        # The signing-certificate-v2 attribute is the same in every signature. Built by
        # asn1crypto it re-encodes the issuer's name each time it is written (several times per
        # signature, ~5 ms); read back from its DER it is written as stored.
        built = simple_cms_attribute(  # type: ignore[no-untyped-call]
            "signing_certificate_v2", as_signing_certificate_v2(loaded.signing_cert)
        )
        self._signing_certificate = _FixedAttribute(cms.CMSAttribute.load(built.dump()))

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        # pyHanko's internal hook (pinned to 0.38 in pyproject.toml): its own providers, with
        # the signing-certificate one replaced by the prepared attribute.
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if isinstance(provider, SigningCertificateV2Provider):
                yield self._signing_certificate
            else:
                yield provider

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), digest)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(digest))
        return super().sign_raw(data, digest_algorithm)


def signer_is_demo() -> bool:
    return not (settings.SIGNING_CERT.strip() or settings.SIGNING_KEY.strip())


def tsa_is_demo() -> bool:
    return not settings.TSA_URL.strip()


@dataclass(frozen=True)
class SignerSetup:
    signer: SimpleSigner
    trust_roots: tuple[asn1_x509.Certificate, ...]
    demo: bool

    @property
    def name(self) -> str:
        """The organisation the certificate names (its O, else its CN)."""
        cert = self.signer.signing_cert
        if cert is None:
            return str(settings.ORGANISATION_NAME)
        subject = cert.subject.native
        return str(subject.get("organization_name") or subject.get("common_name") or "")


def signer_setup() -> SignerSetup:
    """The signer from SIGNING_CERT / SIGNING_KEY (both, or neither for the demo signer)."""
    if signer_is_demo():
        demo = demo_material()
        return _signer_load(
            str(demo.path("signer.key.pem")),
            str(demo.path("signer.pem")),
            (),
            "",
            (str(demo.path("root.pem")),),
            True,
        )
    cert, key = settings.SIGNING_CERT.strip(), settings.SIGNING_KEY.strip()
    if not (cert and key):
        missing = "SIGNING_KEY" if cert else "SIGNING_CERT"
        raise SigningSetupError(f"signing is half configured: {missing} is empty (set both)")
    return _signer_load(
        key,
        cert,
        tuple(settings.SIGNING_CHAIN),
        settings.SIGNING_KEY_PASSWORD,
        tuple(settings.SIGNING_TRUST_ROOTS),
        False,
    )


@functools.lru_cache(maxsize=8)
def _signer_load(
    key: str,
    cert: str,
    chain: tuple[str, ...],
    password: str,
    roots: tuple[str, ...],
    demo: bool,
) -> SignerSetup:
    try:
        signer = SimpleSigner.load(  # type: ignore[no-untyped-call]
            key,
            cert,
            ca_chain_files=list(chain) or None,
            key_passphrase=password.encode() if password else None,
        )
    except (OSError, ValueError) as exc:
        raise SigningSetupError(f"the signing key {key} or certificate {cert}: {exc}") from exc
    if signer is None:  # SimpleSigner.load reports a key or certificate it cannot read so
        raise SigningSetupError(f"the signing key {key} or certificate {cert} cannot be read")
    return SignerSetup(KeptKeySigner(signer), tuple(_certs(roots)) if roots else (), demo)


def tsa_trust_roots() -> tuple[asn1_x509.Certificate, ...]:
    """Whom we trust to timestamp: TSA_TRUST_ROOTS, or the demo root for the demo TSA."""
    if tsa_is_demo():
        return (demo_material().root,)
    roots = tuple(settings.TSA_TRUST_ROOTS)
    return tuple(_certs(roots)) if roots else ()


def validation_context(roots: tuple[asn1_x509.Certificate, ...]) -> ValidationContext:
    """Checks chains against `roots` (the system's trust store when empty), offline: a letter
    verifies without our network reaching a CA, and revocation data that is not at hand is not
    an error (soft-fail, pyHanko's default)."""
    if roots:
        return ValidationContext(trust_roots=list(roots), allow_fetching=False)
    return ValidationContext(allow_fetching=False)
