"""Which notice an inbound message belongs to. In order: the per-notice reply address, our own
Message-ID in In-Reply-To/References, a notice reference quoted in the subject or body. Failing
those, the sender's domain suggests the company (the reply still waits in triage for a person
to pick the notice); otherwise nothing."""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from warnings_app.integrations.mail_parse import ParsedMessage
from warnings_app.models import Company, Notice, Response

if TYPE_CHECKING:
    from collections.abc import Callable

Match = Response.Match


@dataclass
class Matched:
    method: str
    notice: Notice | None = None
    company: Company | None = None


def _reference_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.NOTICE_REFERENCE_PREFIX)
    return re.compile(rf"\b{prefix}-(\d{{4}})-(\d{{6}})\b", re.IGNORECASE)


def _reference(match: re.Match[str]) -> str:
    return f"{settings.NOTICE_REFERENCE_PREFIX}-{match.group(1)}-{match.group(2)}"


def _by_reply_address(recipients: list[str]) -> Notice | None:
    local, _, domain = settings.NOTICE_REPLY_MAILBOX.lower().partition("@")
    pattern = re.compile(rf"^{re.escape(local)}\+(.+)@{re.escape(domain)}$")
    for address in recipients:
        found = pattern.match(address.lower())
        reference = found and _reference_pattern().fullmatch(found.group(1))
        if reference:
            notice = Notice.objects.filter(reference=_reference(reference)).first()
            if notice is not None:
                return notice
    return None


def _by_thread(parsed: ParsedMessage) -> Notice | None:
    domain = re.escape(settings.MESSAGE_ID_DOMAIN)
    ours = re.compile(rf"<[^<>@]+\.(\d{{1,18}})@{domain}>", re.IGNORECASE)
    for value in [parsed.in_reply_to, *parsed.references]:
        for found in ours.finditer(value):
            notice = Notice.objects.filter(pk=int(found.group(1))).first()
            if notice is not None and value.startswith(f"<{notice.reference}."):
                return notice
    return None


def _by_reference(parsed: ParsedMessage) -> Notice | None:
    pattern = _reference_pattern()
    for text in (parsed.subject, parsed.text[:20_000]):
        references = list(dict.fromkeys(_reference(m) for m in pattern.finditer(text)))
        if references:
            notice = Notice.objects.filter(reference__in=references[:1]).first()
            if notice is not None:
                return notice
    return None


def company_for_domain(address: str) -> Company | None:
    """The company whose domain is the address's domain or a parent of it."""
    domain = address.rpartition("@")[2].lower().strip(".")
    if not domain:
        return None
    labels = domain.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    companies = {c.domain: c for c in Company.objects.filter(domain__in=candidates)}
    return next((companies[c] for c in candidates if c in companies), None)


def match_message(parsed: ParsedMessage) -> Matched:
    finders: list[tuple[str, Callable[[], Notice | None]]] = [
        (Match.REPLY_ADDRESS, lambda: _by_reply_address(parsed.recipients)),
        (Match.THREAD, lambda: _by_thread(parsed)),
        (Match.REFERENCE, lambda: _by_reference(parsed)),
    ]
    for method, finder in finders:
        notice = finder()
        if notice is not None:
            return Matched(method, notice, notice.company)
    company = company_for_domain(parsed.sender) if parsed.sender else None
    if company is not None:  # a suggestion for a person to confirm, never a notice by itself
        return Matched(Match.DOMAIN, None, company)
    return Matched(Match.UNMATCHED)
