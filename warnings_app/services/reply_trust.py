"""Whether an inbound reply may act on its notice by itself: move it to "responded" and stop its
reminders. Only when its address proves the notice (a valid token, or an older letter's own
address) and its sender is authenticated for that notice's company:

- a DKIM signature that verifies, or a DMARC pass from our own receiving server, for the From
  domain, where that domain is the company's (or a subdomain of it); or
- the exact address of one of the company's contacts or its counsel of record, with DKIM, DMARC
  or (from our server) SPF passing for it.

A contact's or counsel's domain alone does not count: it may be a mail provider anyone can use.
Everything else is kept, suggested for the notice, and waits for a person with the reason."""

from dataclasses import dataclass

from warnings_app.domain.sender_trust import aligned, authenticated_domains, spf_pass_for
from warnings_app.integrations.sender_auth import SenderEvidence
from warnings_app.models import Contact, Response
from warnings_app.services.reply_matching import Matched

Trust = Response.Trust
NOT_AUTHENTICATED = "sender not authenticated"
UNKNOWN_SENDER = "sender unknown to this company"


@dataclass(frozen=True)
class Standing:
    trust: str
    reason: str


def _known_addresses(company_id: int) -> set[str]:
    emails = Contact.objects.filter(company_id=company_id, is_active=True).exclude(email="")
    return {e.lower() for e in emails.values_list("email", flat=True)}


def reply_standing(matched: Matched, evidence: SenderEvidence) -> Standing:
    notice = matched.notice
    if notice is None:
        reason = "only the sender's domain matches" if matched.company else "no notice named"
        return Standing(Trust.UNCONFIRMED, reason)
    if not matched.address_proves:
        return Standing(Trust.UNCONFIRMED, matched.problem or "no token in the address")
    company_domain = notice.company.domain.lower()
    sender = evidence.from_address
    passing = authenticated_domains(evidence)
    if company_domain and any(aligned(d, company_domain) for d in passing):
        signed = any(aligned(d, company_domain) for d in evidence.dkim_pass_domains)
        return Standing(
            Trust.TRUSTED, f"{'DKIM' if signed else 'DMARC'} pass for {evidence.from_domain}"
        )
    if sender and sender in _known_addresses(notice.company_id):
        if evidence.from_domain in passing:
            return Standing(Trust.TRUSTED, f"known contact {sender}, DKIM or DMARC pass")
        if spf_pass_for(evidence, sender):
            return Standing(Trust.TRUSTED, f"known contact {sender}, SPF pass")
        return Standing(Trust.UNCONFIRMED, NOT_AUTHENTICATED)
    from_company = company_domain and aligned(evidence.from_domain, company_domain)
    return Standing(Trust.UNCONFIRMED, NOT_AUTHENTICATED if from_company else UNKNOWN_SENDER)
