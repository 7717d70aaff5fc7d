"""Putting companies on hold from the register: each change goes through company_update, so
each company gets its own audited "company.updated" event with the fields it changed."""

from typing import TYPE_CHECKING

from django.db import transaction

from warnings_app.models import Company
from warnings_app.services.companies import company_update
from warnings_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def companies_hold(*, companies: list[Company], by: "User", reason: str) -> int:
    """Hold all automation for each company with `reason`; the number newly held (those already
    on hold with the same reason are left as they are)."""
    reason = " ".join(reason.split())
    if not reason:
        raise ServiceError("say why these companies are put on hold")
    held = 0
    for company in companies:
        before = (company.hold_automation, company.hold_reason)
        updated = company_update(company=company, by=by, hold_automation=True, hold_reason=reason)
        held += (updated.hold_automation, updated.hold_reason) != before
    return held
