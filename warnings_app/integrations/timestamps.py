"""RFC 3161 timestamps: a timestamp authority's signed statement that some data existed at a
time. We ask the TSA at TSA_URL; without one we ask the local demo TSA, whose certificate says
DEMO (see signing_credentials), and every check of its tokens says demo too.

A token is checked for three things: its signature is good, the hash inside it (the message
imprint) is SHA-256 of the data we hold, and the TSA's certificate chains to a root we trust
(TSA_TRUST_ROOTS, or the demo root for the demo TSA)."""

import asyncio
import functools
import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from asn1crypto import cms, core, tsp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from warnings_app.integrations.signing_credentials import (
    SigningSetupError,
    tsa_is_demo,
    tsa_trust_roots,
    validation_context,
)
from warnings_app.integrations.signing_demo import demo_material

TSA_TIMEOUT_SECONDS = 10


class TimestampError(OSError):
    """No timestamp could be had (the TSA did not answer, refused, or answered nonsense)."""


@dataclass(frozen=True)
class TimestampCheck:
    valid: bool
    time: datetime | None
    authority: str
    problem: str
    demo: bool


def timestamper() -> TimeStamper:
    """The configured TSA's client, or the demo TSA (in process, no network)."""
    if tsa_is_demo():
        demo = demo_material()
        return _demo_timestamper(str(demo.folder))
    return _http_timestamper(settings.TSA_URL.strip())


class HttpTimeStamper(TimeStamper):
    """An RFC 3161 client over HTTP(S) that keeps its connection to the TSA open between
    requests (one requests.Session per thread) and asks in the calling thread. pyHanko's own
    client opens a connection and starts a thread for every timestamp, which costs more than
    a nearby TSA takes to answer."""

    def __init__(self, url: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.url = url
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            answer = self._session().post(
                self.url,
                data=req.dump(),
                headers={
                    "Content-Type": "application/timestamp-query",
                    "Accept": "application/timestamp-reply",
                },
                timeout=TSA_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise TimestampRequestError(
                f"the timestamp authority at {self.url} did not answer: {exc}"
            ) from exc
        if answer.status_code != 200 or answer.headers.get("Content-Type") != (
            "application/timestamp-reply"
        ):
            raise TimestampRequestError(
                f"the timestamp authority at {self.url} answered HTTP {answer.status_code} "
                f"({answer.headers.get('Content-Type')}), not a timestamp reply"
            )
        return tsp.TimeStampResp.load(answer.content)


@functools.lru_cache(maxsize=4)
def _http_timestamper(url: str) -> TimeStamper:
    # One client per URL and process: it keeps its connection and the TSA's certificates.
    return HttpTimeStamper(url)


def _attribute(name: str, value: Any) -> cms.CMSAttribute:
    return simple_cms_attribute(name, value)  # type: ignore[no-untyped-call]


class DemoTimeStamper(DummyTimeStamper):
    """pyHanko's in-process TSA, signing with its key read once: the parent reads the key
    from DER for every token, and cryptography checks an RSA key on every read (about 0.1 s).
    The token is built as the parent builds it; only the signing differs."""

    def __init__(self, *, tsa_cert: Any, tsa_key: Any, certs_to_embed: Any) -> None:
        super().__init__(tsa_cert=tsa_cert, tsa_key=tsa_key, certs_to_embed=certs_to_embed)
        self._key = serialization.load_der_private_key(tsa_key.dump(), password=None)
        # The same for every token.
        # Read back from its DER: built by asn1crypto it re-encodes the issuer's name whenever
        # it is written.
        built = _attribute("signing_certificate", as_signing_certificate(tsa_cert))
        self._signing_certificate = cms.CMSAttribute.load(built.dump())

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        digest = get_pyca_cryptography_hash(md_algorithm)
        hashed = hashes.Hash(digest)
        hashed.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                _attribute("content_type", "tst_info"),
                _attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                self._signing_certificate,
                _attribute("message_digest", hashed.finalize()),
            ]
        )
        if not isinstance(self._key, rsa.RSAPrivateKey):
            raise TimestampError("the demo timestamp authority's key is not an RSA key")
        signature = self._key.sign(signed_attrs.dump(), PKCS1v15(), digest)
        return signature, signed_attrs


@functools.lru_cache(maxsize=4)
def _demo_timestamper(folder: str) -> TimeStamper:
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder

    root = load_cert_from_pemder(f"{folder}/root.pem")  # type: ignore[no-untyped-call]
    store = SimpleCertificateStore.from_certs([root])  # type: ignore[no-untyped-call]
    return DemoTimeStamper(
        tsa_cert=load_cert_from_pemder(f"{folder}/tsa.pem"),  # type: ignore[no-untyped-call]
        tsa_key=load_private_key_from_pemder(f"{folder}/tsa.key.pem", passphrase=None),
        certs_to_embed=store,
    )


def timestamp_token(data: bytes) -> bytes:
    """DER of a TimeStampToken (a CMS ContentInfo) over SHA-256(data). Raises TimestampError
    when the TSA cannot give one."""
    digest = hashlib.sha256(data).digest()
    try:
        token = asyncio.run(timestamper().async_timestamp(digest, "sha256"))
    except (TimestampRequestError, OSError) as exc:
        raise TimestampError(f"the timestamp authority gave no timestamp: {exc}") from exc
    dumped: bytes = token.dump()
    return dumped


def _authority(signed_data: cms.SignedData) -> str:
    try:
        info = signed_data["encap_content_info"]["content"].parsed
        tsa_name = info["tsa"]
        if tsa_name.native is not None:
            return str(tsa_name.chosen.human_friendly)
    except (KeyError, ValueError, AttributeError):
        pass
    certs = signed_data["certificates"] or []
    return ", ".join(cert.chosen.subject.human_friendly for cert in certs) or "unknown"


def check_timestamp_token(token: bytes, data: bytes) -> TimestampCheck:
    """Whether `token` is a good timestamp over `data` from a TSA we trust. Never raises for a
    bad token: the answer says what is wrong."""
    demo = tsa_is_demo()
    try:
        content = cms.ContentInfo.load(token)
        signed_data = content["content"]
        if content["content_type"].native != "signed_data" or not isinstance(
            signed_data["encap_content_info"]["content"].parsed, tsp.TSTInfo
        ):
            return TimestampCheck(False, None, "", "not a timestamp token", demo)
        authority = _authority(signed_data)
    except (ValueError, TypeError, KeyError) as exc:
        return TimestampCheck(False, None, "", f"not a timestamp token ({exc})", demo)
    try:
        roots = tsa_trust_roots()
    except SigningSetupError as exc:
        return TimestampCheck(False, None, authority, str(exc), demo)
    expected = hashlib.sha256(data).digest()

    def imprint(algorithm: str) -> bytes:
        return hashlib.new(algorithm.replace("_", "-"), data).digest()

    context = validation_context(roots)
    try:
        found = asyncio.run(validate_tst_signed_data(signed_data, context, imprint))
        status = TimestampSignatureStatus(**found)
    except Exception as exc:  # pyHanko raises many kinds for a token it cannot make sense of
        return TimestampCheck(False, None, authority, f"the token cannot be checked: {exc}", demo)
    info = signed_data["encap_content_info"]["content"].parsed
    held = info["message_imprint"]["hashed_message"].native
    time = status.timestamp
    algorithm = info["message_imprint"]["hash_algorithm"]["algorithm"].native
    if not status.intact or algorithm != "sha256" or held != expected:
        return TimestampCheck(False, time, authority, "the token is not over this data", demo)
    if not status.valid:
        return TimestampCheck(False, time, authority, "the token's signature is invalid", demo)
    if not status.trusted:
        return TimestampCheck(
            False, time, authority, "the timestamp authority is not one we trust", demo
        )
    return TimestampCheck(True, time, authority, "", demo)
