"""Builds the merge data of a letter: plain, JSON-ready values, formatted once. The notice stores
exactly this dictionary, so what a letter said can always be shown again."""

from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone

from warnings_app.domain.deadlines import business_days_after
from warnings_app.domain.licences import licensed_uses, uses_phrase
from warnings_app.models import (
    Campaign,
    Company,
    Contact,
    LicenceUse,
    Notice,
    Principal,
    TemplateVersion,
    Work,
)
from warnings_app.models.licences import Licence
from warnings_app.models.usage import UsageFinding
from warnings_app.selectors.companies import CONTACT_ROLE_ORDER
from warnings_app.selectors.letter_reservations import long_date, names_phrase, reservations_data


def _address(lines: list[str]) -> dict[str, Any]:
    lines = [line for line in lines if line]
    return {"address_lines": lines, "address_block": "\n".join(lines)}


def letter_contact(company: Company) -> Contact | None:
    """Where a letter to `company` goes: counsel of record when there is one, else the legal
    notices address, else any active contact."""
    active = [c for c in company.contacts.all() if c.is_active]
    for role in [Contact.Role.COUNSEL_OF_RECORD, *CONTACT_ROLE_ORDER]:
        for contact in active:
            if contact.role == role:
                return contact
    return None


def _licence_status(company: Company, on: date) -> dict[str, str]:
    """The company's licence status on the letter's date (domain/licences.py's rule): a letter
    rendered the day after a licence lapsed says so."""
    uses = licensed_uses(company.pk, on) if company.pk else []
    labels = [str(LicenceUse(use).label).lower() for use in uses]
    return {
        "licence_status": uses_phrase(uses),
        "licensed_uses": names_phrase(labels),
    }


def _recipient(company: Company, contact: Contact | None, on: date) -> dict[str, Any]:
    via_counsel = contact is not None and contact.role == Contact.Role.COUNSEL_OF_RECORD
    return {
        "legal_name": company.legal_name,
        "trading_names": ", ".join(company.alias_list),
        "domain": company.domain,
        "country": company.country.name,
        "country_code": company.country.code,
        "addressee": (contact.name if contact else "") or "Legal Department",
        "addressee_title": contact.title if contact else "",
        "organisation": contact.organisation if contact is not None and via_counsel else "",
        "email": contact.email if contact else "",
        "via_counsel": via_counsel,
        **_licence_status(company, on),
        **_address(contact.address_lines if contact else []),
    }


def _principal(principal: Principal) -> dict[str, Any]:
    return {
        "name": principal.name,
        "legal_name": principal.legal_name or principal.name,
        "kind": principal.get_kind_display(),
        "email": principal.email,
        "website": principal.website,
        **_address(principal.address.splitlines()),
    }


NO_LICENCE: dict[str, Any] = {
    "reference": "",
    "uses": "",
    "starts_on": "",
    "ends_on": "",
    "findings": [],
}


def _licence(licence: Licence | None, findings: list[UsageFinding]) -> dict[str, Any]:
    """The licence a letter is about (Notice.licence), with the usage findings it raises."""
    if licence is None:
        return NO_LICENCE
    return {
        "reference": licence.reference,
        "uses": uses_phrase(licence.uses),
        "starts_on": long_date(licence.starts_on),
        "ends_on": long_date(licence.ends_on) if licence.ends_on else "",
        "findings": [
            {"kind": f.get_kind_display(), "detail": f.detail, "line": f.row.line if f.row else ""}
            for f in findings
        ],
    }


def merge_data_build(
    *,
    company: Company,
    contact: Contact | None,
    template_version: TemplateVersion,
    principals: list[Principal],
    works: list[Work],
    reference: str,
    letter_date: date,
    campaign: Campaign | None = None,
    first_sent: date | None = None,
    licence: Licence | None = None,
    findings: list[UsageFinding] | None = None,
) -> dict[str, Any]:
    window = campaign.response_window_days if campaign else settings.DEFAULT_RESPONSE_WINDOW_DAYS
    deadline = business_days_after(letter_date, window, company.country.code)
    lead = principals[0] if principals else None
    signatory_name = (campaign.signatory_name if campaign else "") or (
        lead.signatory_name if lead else ""
    )
    signatory_title = (campaign.signatory_title if campaign else "") or (
        lead.signatory_title if lead else ""
    )
    reservations, work_preferences = reservations_data(
        principals=principals, works=works, letter_date=letter_date
    )
    return {
        "recipient": _recipient(company, contact, letter_date),
        "principal": _principal(lead) if lead else {},
        "principals": [_principal(p) for p in principals],
        "principal_names": names_phrase([p.name for p in principals]),
        "works": [
            {
                "number": n,
                "title": w.title,
                "artist": w.artist,
                "isrc": w.isrc,
                "iswc": w.iswc,
                "release_year": w.release_year or "",
                "ai_preference": preference["ai_preference"],
                "ai_preference_since": preference["ai_preference_since"],
            }
            for n, (w, preference) in enumerate(zip(works, work_preferences, strict=True), start=1)
        ],
        "works_count": len(works),
        "reservations": reservations,
        "notice": {
            "reference": reference,
            "date": long_date(letter_date),
            "date_iso": letter_date.isoformat(),
            "response_deadline": long_date(deadline.due),
            "response_deadline_iso": deadline.due.isoformat(),
            "response_window_days": window,
            "deadline_explanation": deadline.explanation,
            "first_sent_date": long_date(first_sent or letter_date),
            "template_version": str(template_version),
        },
        "signatory": {
            "name": signatory_name,
            "title": signatory_title,
            "organisation": lead.legal_name or lead.name if lead else "",
        },
        "campaign": {"name": campaign.name, "description": campaign.description}
        if campaign
        else {"name": "", "description": ""},
        "licence": _licence(licence, findings or []),
    }


def merge_data_for_notice(notice: Notice, *, letter_date: date) -> dict[str, Any]:
    contact = notice.contact or letter_contact(notice.company)
    first = notice.follows
    while first is not None and first.follows is not None:
        first = first.follows
    return merge_data_build(
        company=notice.company,
        contact=contact,
        template_version=notice.template_version,
        principals=list(notice.principals.order_by("pk")),
        works=list(notice.works.order_by("artist", "title", "pk")),
        reference=notice.reference,
        letter_date=letter_date,
        campaign=notice.campaign,
        first_sent=first.sent_at.date() if first is not None and first.sent_at else None,
        licence=notice.licence,
        findings=list(notice.usage_findings.select_related("row").order_by("pk"))
        if notice.licence_id
        else [],
    )


PREVIEW_WORKS = 30


def merge_data_preview(*, company: Company, template_version: TemplateVersion) -> dict[str, Any]:
    """Sample merge data for the editor's preview: the chosen company, the register's principals
    and its first works, and a placeholder reference."""
    return merge_data_build(
        company=company,
        contact=letter_contact(company),
        template_version=template_version,
        principals=list(Principal.objects.order_by("pk")[:3]),
        works=list(Work.objects.order_by("artist", "title", "pk")[:PREVIEW_WORKS]),
        reference="PREVIEW",
        letter_date=timezone.localdate(),
    )
