"""Rendering a notice to its PDF: once, signed (PAdES with a timestamp, integrations/signing),
stored under an unguessable name, with the SHA-256 of the signed bytes, size, page count and the
exact merge data used. Allowed again only before approval. Previews are never signed."""

import hashlib
import logging
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from warnings_app.domain.letters.compose import letter_parts
from warnings_app.integrations.pdf import RenderedPdf, render_letter_pdf
from warnings_app.integrations.signing import (
    SignatureCheck,
    check_pdf_signature,
    sign_pdf,
    signing_is_demo,
)
from warnings_app.models import Company, Contact, Notice, TemplateVersion
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.selectors.merge_data import (
    letter_contact,
    merge_data_for_notice,
    merge_data_preview,
)
from warnings_app.services.errors import NoticeStateError
from warnings_app.services.notices import apply_transition
from warnings_app.services.reservations import reservations_catch_up
from warnings_app.services.stored_files import stored_file_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


def template_version_preview_pdf(*, version: TemplateVersion, company: Company) -> bytes:
    """The PDF a version would give for one company of the register, today. Nothing is stored
    or recorded: a preview changes nothing. It is not signed: only a letter is."""
    parts = letter_parts(version, merge_data_preview(company=company, template_version=version))
    return render_letter_pdf(parts.letter, parts.annex).content


def notice_render(*, notice: Notice, by: "User | None") -> Notice:
    """draft -> rendered, or rendered -> rendered (a re-render before approval, audited with the
    hash it replaces). The PDF is built outside any transaction; if the notice moved on in the
    meantime (approved, withdrawn) the new file is discarded and NoticeStateError raised."""
    if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.RENDERED):
        raise NoticeStateError(
            f"notice {notice.reference} is "
            f"{NoticeStatus(notice.status).label.lower()}: its letter is "
            "frozen and cannot be rendered again"
        )
    letter_date = timezone.localdate()
    contact = notice.contact or letter_contact(notice.company)
    reservations_catch_up(letter_date=letter_date)  # the letter cites the files in force today
    data = merge_data_for_notice(notice, letter_date=letter_date)
    parts = letter_parts(notice.template_version, data)
    unsigned = render_letter_pdf(parts.letter, parts.annex)
    pdf = RenderedPdf(sign_pdf(unsigned.content), unsigned.pages)  # SigningError: not rendered
    name = stored_file_save(folder="notices", content=pdf.content, extension=".pdf")
    transition = "render" if notice.status == NoticeStatus.DRAFT else "rerender"
    try:
        with transaction.atomic():
            now = timezone.now()
            rendered = apply_transition(
                notice=notice,
                transition=transition,
                by=by,
                data={
                    "sha256": pdf.sha256,
                    "size": len(pdf.content),
                    "pages": pdf.pages,
                    "template_version_id": notice.template_version_id,
                    "replaces_sha256": notice.pdf_sha256 or None,
                    "signed": True,
                    "signature_demo": signing_is_demo(),
                },
                pdf=name,
                pdf_sha256=pdf.sha256,
                pdf_size=len(pdf.content),
                pdf_pages=pdf.pages,
                merge_data=data,
                rendered_at=now,
                due_date=data["notice"]["response_deadline_iso"],
                due_date_explanation=data["notice"]["deadline_explanation"],
                contact=contact,
                addressed_to_counsel=contact is not None
                and contact.role == Contact.Role.COUNSEL_OF_RECORD,
            )
            if notice.template_version.frozen_at is None:  # the first letter freezes it
                TemplateVersion.objects.filter(
                    pk=notice.template_version_id, frozen_at__isnull=True
                ).update(frozen_at=now)
    except Exception:
        default_storage.delete(name)
        raise
    return rendered


def stored_pdf_bytes(notice: Notice) -> bytes:
    name = notice.pdf.name
    if name is None:  # a FieldFile never given a file; one read from the database has a name
        raise FileNotFoundError(f"notice {notice.reference} has no stored letter")
    with default_storage.open(name, "rb") as handle:
        content: bytes = handle.read()
    return content


def stored_pdf_matches(notice: Notice) -> tuple[bool, str]:
    """(ok, problem) for one notice's stored PDF against its recorded SHA-256."""
    if not notice.pdf:
        return True, ""
    try:
        content = stored_pdf_bytes(notice)
    except FileNotFoundError:
        return False, "file missing"
    actual = hashlib.sha256(content).hexdigest()
    if actual != notice.pdf_sha256:
        return False, f"altered: sha256 {actual} differs from recorded {notice.pdf_sha256}"
    return True, ""


def stored_pdf_signature(notice: Notice) -> SignatureCheck | None:
    """The check of one notice's stored letter's signature; None when it has no letter or the
    file is missing (stored_pdf_matches reports that)."""
    if not notice.pdf:
        return None
    try:
        content = stored_pdf_bytes(notice)
    except FileNotFoundError:
        return None
    return check_pdf_signature(content)
