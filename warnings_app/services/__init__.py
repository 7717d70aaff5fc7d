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

__all__ = [
    "NoticeStateError",
    "ServiceError",
    "audit_record",
    "company_create",
    "company_update",
    "contact_create",
    "contact_update",
    "notice_approve",
    "notice_create",
    "notice_transition",
    "notice_withdraw",
    "reference_allocate",
]
