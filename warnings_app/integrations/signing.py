"""Signatures that anyone can check without asking our database: letter PDFs signed as PAdES
(B-T: a CMS signature with a timestamp from the TSA over it), shown in PDF readers as a signature
field on the last page naming the organisation; and detached CMS signatures over any bytes (a
bundle's manifest, for example), timestamped the same way.

Credentials and trust come from signing_credentials (the configured certificate, or the demo CA
whose certificates say DEMO); timestamps from timestamps (the configured TSA, or the demo TSA).
A check never raises for a bad signature: its answer says what is wrong."""

import asyncio
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from asn1crypto import cms
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyhankoSigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import async_validate_detached_cms, validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel, StandardCMSSignatureStatus
from pyhanko.stamp import TextStampStyle

from warnings_app.integrations.signing_credentials import (
    SignerSetup,
    SigningSetupError,
    signer_is_demo,
    signer_setup,
    tsa_is_demo,
    tsa_trust_roots,
    validation_context,
)
from warnings_app.integrations.signing_demo import DEMO_LABEL
from warnings_app.integrations.timestamps import TimestampError, timestamper

FIELD_NAME = "LetterSignature"
REASON = "Sent as a legal notice; this signature shows the letter is unchanged since it was sent"
# The last page's bottom margin, below the letter's footer, right-aligned on A4 or Letter
# (points from the bottom left corner).
STAMP_BOX = (315, 8, 565, 48)
STAMP_TEXT = "Digitally signed by %(signer)s\nSigned %(ts)s"
STAMP_TEXT_DEMO = "DEMO signature, not for legal use\nSigned by %(signer)s\nSigned %(ts)s"


# Room for the signature in the PDF, per (certificate, TSA): pyHanko finds it by making a
# trial signature (with its margin for the TSA's answer varying), which would double the cost of
# every letter. The first letter of a process learns it; the rest reuse it.
_RESERVED: dict[tuple[bytes, str], int] = {}


def _contents_reserved(signed: bytes, *, start: int) -> int:
    """The size of the /Contents hex string pyHanko reserved in the signature it appended."""
    opening = signed.index(b"/Contents <", start) + len(b"/Contents <")
    return signed.index(b">", opening) - opening


class SigningError(OSError):
    """The document could not be signed (credentials unusable, no timestamp, unreadable PDF)."""


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool
    intact: bool
    timestamped: bool
    signer: str
    signed_at: datetime | None
    problem: str
    demo: bool


def signing_is_demo() -> bool:
    """True when letters would be signed by the demo certificate or timestamped by the demo TSA."""
    return signer_is_demo() or tsa_is_demo()


def _setup() -> SignerSetup:
    try:
        return signer_setup()
    except SigningSetupError as exc:
        raise SigningError(str(exc)) from exc


def sign_pdf(pdf: bytes) -> bytes:
    """`pdf` with a PAdES B-T signature appended as an incremental update (the original bytes
    are kept, byte for byte, at the start). Raises SigningError."""
    setup = _setup()
    demo = setup.demo or tsa_is_demo()
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"{REASON} ({DEMO_LABEL})" if demo else REASON,
        name=setup.name,
    )
    style = TextStampStyle(stamp_text=STAMP_TEXT_DEMO if demo else STAMP_TEXT, border_width=1)
    try:
        pdf_signer = signers.PdfSigner(
            meta,
            signer=setup.signer,
            timestamper=timestamper(),
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=-1, box=STAMP_BOX),
        )
        cert = setup.signer.signing_cert
        reserved_key = (cert.sha256 if cert else b"", settings.TSA_URL.strip() or "demo")
        reserved = _RESERVED.get(reserved_key)
        try:
            signed = _signed(pdf_signer, pdf, reserved)
        except PyhankoSigningError:
            if reserved is None:
                raise
            signed = _signed(pdf_signer, pdf, None)  # a larger answer from the TSA: measure again
            reserved = None
        if reserved is None:
            _RESERVED[reserved_key] = _contents_reserved(signed, start=len(pdf))
    except (TimestampRequestError, TimestampError, ValueError, KeyError, OSError, PdfError) as exc:
        raise SigningError(f"the letter could not be signed: {exc}") from exc
    return signed


def _signed(pdf_signer: signers.PdfSigner, pdf: bytes, reserved: int | None) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    output = BytesIO()
    pdf_signer.sign_pdf(writer, output=output, bytes_reserved=reserved)
    return output.getvalue()


def _subject_name(status: StandardCMSSignatureStatus) -> str:
    subject = status.signing_cert.subject.native
    return str(subject.get("organization_name") or subject.get("common_name") or "")


def _problem(status: StandardCMSSignatureStatus, intact: bool) -> str:
    if not intact:
        return "the document was modified after it was signed"
    if not status.valid:
        return "the signature does not match the signer's certificate"
    if not status.trusted:
        return "the signing certificate does not chain to a trusted root"
    tst = status.timestamp_validity
    if tst is None:
        return "the signature has no timestamp"
    if not (tst.intact and tst.valid):
        return "the signature's timestamp is invalid"
    if not tst.trusted:
        return "the timestamp authority is not trusted"
    return ""


def _failed(problem: str, demo: bool) -> SignatureCheck:
    return SignatureCheck(False, False, False, "", None, problem, demo)


def check_pdf_signature(pdf: bytes) -> SignatureCheck:
    """Whether `pdf` carries our signature over the whole file, intact, by a trusted
    certificate, with a trusted timestamp. `demo` says the checker trusts the demo roots."""
    demo = signing_is_demo()
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = reader.embedded_regular_signatures
    except Exception as exc:  # pyHanko raises many kinds for a file that is not a sound PDF
        return _failed(f"the file cannot be read as a PDF: {exc}", demo)
    if not embedded:
        return _failed("the document is not signed", demo)
    try:
        setup = _setup()
        signer_context = validation_context(setup.trust_roots)
        tsa_context = validation_context(tsa_trust_roots())
        status = validate_pdf_signature(embedded[-1], signer_context, tsa_context)
    except Exception as exc:  # a damaged signature can fail in many ways; all mean "invalid"
        return _failed(f"the signature cannot be checked: {exc}", demo)
    intact = status.intact and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    problem = _problem(status, intact)
    if not problem and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problem = "content was added after the signature"
    tst = status.timestamp_validity
    timestamped = tst is not None and tst.intact and tst.valid and tst.trusted
    return SignatureCheck(
        valid=not problem and status.bottom_line,
        intact=intact,
        timestamped=timestamped,
        signer=_subject_name(status),
        signed_at=tst.timestamp if tst is not None else None,
        problem=problem or ("" if status.bottom_line else "the signature is not valid"),
        demo=demo,
    )


def sign_detached(data: bytes) -> bytes:
    """A detached CMS SignedData (DER ContentInfo) over `data`, with a signature timestamp."""
    setup = _setup()
    try:
        signed = asyncio.run(
            setup.signer.async_sign_general_data(
                data, "sha256", detached=True, use_cades=True, timestamper=timestamper()
            )
        )
    except (TimestampRequestError, TimestampError, SigningSetupError) as exc:
        raise SigningError(f"the data could not be signed: {exc}") from exc
    dumped: bytes = signed.dump()
    return dumped


def check_detached(data: bytes, signature: bytes) -> SignatureCheck:
    """Whether `signature` (from sign_detached) is a good, trusted, timestamped one over `data`."""
    demo = signing_is_demo()
    try:
        content = cms.ContentInfo.load(signature)
        if content["content_type"].native != "signed_data":
            return _failed("not a CMS signature", demo)
        signed_data = content["content"]
        setup = _setup()
        status = asyncio.run(
            async_validate_detached_cms(
                data,
                signed_data,
                signer_validation_context=validation_context(setup.trust_roots),
                ts_validation_context=validation_context(tsa_trust_roots()),
            )
        )
    except Exception as exc:  # a damaged signature can fail in many ways; all mean "invalid"
        return _failed(f"the signature cannot be checked: {exc}", demo)
    problem = _problem(status, status.intact)
    tst = status.timestamp_validity
    return SignatureCheck(
        valid=not problem and status.bottom_line,
        intact=status.intact,
        timestamped=tst is not None and tst.intact and tst.valid and tst.trusted,
        signer=_subject_name(status),
        signed_at=tst.timestamp if tst is not None else None,
        problem=problem or ("" if status.bottom_line else "the signature is not valid"),
        demo=demo,
    )
