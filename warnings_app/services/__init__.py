"""Every write in the domain goes through a function in this package."""

from warnings_app.services.audit import audit_record
from warnings_app.services.companies import (
    company_create,
    company_update,
    contact_create,
    contact_update,
)
from warnings_app.services.errors import NoticeStateError, ServiceError
from warnings_app.services.notices import (
    notice_approve,
    notice_create,
    notice_transition,
    notice_withdraw,
)
from warnings_app.services.references import reference_allocate
from warnings_app.services.rendering import (
    notice_render,
    stored_pdf_matches,
    stored_pdf_signature,
)
from warnings_app.services.templates import (
    TemplateInvalid,
    letter_template_create,
    template_text_problems,
    template_version_approve,
    template_version_delete,
    template_version_draft,
    template_version_reject,
    template_version_submit,
    template_version_update,
)

__all__ = [
    "NoticeStateError",
    "ServiceError",
    "TemplateInvalid",
    "audit_record",
    "company_create",
    "company_update",
    "contact_create",
    "contact_update",
    "letter_template_create",
    "notice_approve",
    "notice_create",
    "notice_render",
    "notice_transition",
    "notice_withdraw",
    "reference_allocate",
    "stored_pdf_matches",
    "stored_pdf_signature",
    "template_text_problems",
    "template_version_approve",
    "template_version_delete",
    "template_version_draft",
    "template_version_reject",
    "template_version_submit",
    "template_version_update",
]
